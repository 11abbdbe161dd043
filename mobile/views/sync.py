"""Sync: what waits to be sent, the last sync, answers needing attention, shift, settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.sync_status import QueueRow, SyncStatusViewModel
from mobile.views import theme
from mobile.views.widgets import body, heading, notice, primary, secondary, tag

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class SyncTab:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.vm = SyncStatusViewModel(shell.ctx)
        self.syncing = False

    @property
    def title(self) -> str:
        return self.shell.ctx.t("mobile.sync.title")

    def controls(self) -> list[ft.Control]:
        t = self.shell.ctx.t
        vm = self.vm
        running = self.syncing or self.shell.ctx.session.engine.running
        items: list[ft.Control] = [
            heading(vm.badge()),
            body(vm.last_synced()),
        ]
        if (state := vm.state_text()) is not None:
            items.append(notice(state, "warning"))
        if (attention := vm.attention_text()) is not None:
            items.append(notice(attention, "error"))
        items.append(
            ft.Row(
                [
                    primary(
                        t("mobile.sync.running") if running else t("mobile.sync.now"),
                        self.sync_now,
                        icon=ft.Icons.SYNC,
                    )
                ]
            )
        )
        if not self.shell.ctx.session.is_supervisor:
            items += [
                ft.Switch(
                    label=t("mobile.sync.shift"),
                    value=vm.on_shift,
                    on_change=self.toggle_shift,
                    label_text_style=ft.TextStyle(size=theme.BODY),
                ),
                body(vm.shift_hint(), size=theme.SMALL, color=theme.MUTED),
            ]
        items.append(heading(t("mobile.sync.queue")))
        queue = vm.queue()
        if not queue:
            items.append(body(t("mobile.sync.queue_empty"), color=theme.MUTED))
        items += [self._row(row) for row in queue]
        items += [
            ft.Divider(),
            ft.Row(
                [
                    secondary(
                        t("mobile.language.switch"),
                        self.shell.switch_language,
                        icon=ft.Icons.TRANSLATE,
                    )
                ]
            ),
            ft.Row(
                [secondary(t("mobile.logout"), self.shell.confirm_logout, icon=ft.Icons.LOGOUT)]
            ),
        ]
        return [ft.ListView(items, expand=True, spacing=10)]

    def _row(self, row: QueueRow) -> ft.Control:
        status = tag(row.status_label, warning=row.status in ("pending", "conflict", "rejected"))
        content: list[ft.Control] = [
            ft.Row([ft.Container(body(row.title, bold=True), expand=True), status]),
            body(row.detail, size=theme.SMALL, color=theme.MUTED),
        ]
        if row.needs_attention:
            content.append(
                ft.TextButton(
                    self.shell.ctx.t("mobile.conflict.ack"),
                    on_click=lambda _, c=row.client_id: self._acknowledge(c),
                    height=theme.TOUCH,
                )
            )
        return ft.Container(
            ft.Column(content, spacing=2), bgcolor=theme.CARD, padding=10, border_radius=8
        )

    async def sync_now(self, _: object = None) -> None:
        self.syncing = True
        self.shell.render()
        try:
            await self.vm.sync_now()
        finally:
            self.syncing = False
        await self.shell.after_sync()

    def toggle_shift(self, e: ft.ControlEvent) -> None:
        self.vm.set_shift(bool(e.control.value))
        self.shell.render()

    def _acknowledge(self, client_id: str) -> None:
        self.vm.acknowledge(client_id)
        self.shell.render()
