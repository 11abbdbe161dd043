"""Today: the next stop's directions, filters and the day's stops (each one can be moved up or
down or skipped, with a reason); pull the list down (or tap refresh) to re-sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.today import HeldRow, StopRow, TodayViewModel
from mobile.views import theme
from mobile.views.cash import CashScreen
from mobile.views.widgets import bind, body, icon_button, notice, primary, secondary, tag
from shared.schemas.field import StopReason

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class TodayTab:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.vm = TodayViewModel(shell.ctx)
        # One list for the tab's life: redrawing its items keeps the scroll position.
        self.list = ft.ListView(
            expand=True, spacing=8, on_scroll=self._on_scroll, scroll_interval=50
        )

    @property
    def title(self) -> str:
        return self.shell.ctx.t("mobile.today.title")

    def controls(self) -> list[ft.Control]:
        t = self.shell.ctx.t
        header = ft.Row(
            [
                ft.Container(body(self.vm.summary(), size=theme.SMALL), expand=True),
                icon_button(ft.Icons.PAYMENTS, t("mobile.cash.title"), self._open_cash, size=28),
                icon_button(ft.Icons.REFRESH, t("mobile.today.refresh"), self.refresh, size=28),
            ]
        )
        items: list[ft.Control] = [header, self._next_stop(), self._filters()]
        if self.vm.refreshing:
            items.append(ft.ProgressBar())
        if self.vm.message:
            items.append(notice(self.vm.message, "warning"))
        items += [self._stop(row) for row in self.vm.rows()]
        held = self.vm.held()
        if held:
            items.append(body(t("mobile.today.held", count=len(held)), bold=True))
            items += [self._held(row) for row in held]
        self.list.controls = items
        return [self.list]

    def _next_stop(self) -> ft.Control:
        stop = self.vm.next_stop()
        t = self.shell.ctx.t
        if stop is None:
            return body(t("mobile.today.next_none"), size=theme.SMALL, color=theme.MUTED)
        label = t("mobile.today.next", name=stop.name)
        return ft.Row([primary(label, self._open_next, icon=ft.Icons.DIRECTIONS)])

    async def _open_next(self, _: object = None) -> None:
        if (url := self.vm.next_stop_url()) is not None:
            await self.shell.launch(url, new_tab=True)

    async def _open_cash(self, _: object = None) -> None:
        await CashScreen(self.shell).open()

    def _filters(self) -> ft.Row:
        t = self.shell.ctx.t
        vm = self.vm
        chips = [
            self._chip(
                t("mobile.filter.all"),
                not (vm.bucket or vm.promise_due or vm.not_visited),
                self._all,
            ),
            self._chip(t("mobile.filter.promise_due"), vm.promise_due, self._promise_due),
            self._chip(t("mobile.filter.not_visited"), vm.not_visited, self._not_visited),
        ]
        for bucket in vm.buckets():
            chips.append(
                self._chip(
                    f"{t('mobile.filter.bucket')} {bucket.value}",
                    vm.bucket == bucket,
                    lambda _, b=bucket: self._bucket(b),
                )
            )
        return ft.Row(chips, scroll=ft.ScrollMode.AUTO, spacing=6)

    @staticmethod
    def _chip(label: str, selected: bool, on_click: object) -> ft.Chip:
        return ft.Chip(
            label=ft.Text(label, size=theme.SMALL),
            selected=selected,
            on_select=on_click,
            height=48,  # a tap target of at least 48 px
            selected_color="#C9D7F2",
        )

    def _stop(self, row: StopRow) -> ft.Control:
        lines: list[ft.Control] = [
            ft.Row(
                [
                    ft.Container(
                        ft.Text(str(row.position), color="#FFFFFF", weight=ft.FontWeight.BOLD),
                        bgcolor=theme.OK_BG
                        if row.visited
                        else theme.MUTED
                        if row.skipped
                        else theme.PRIMARY,
                        width=30,
                        height=30,
                        border_radius=15,
                        alignment=ft.Alignment.CENTER,
                    ),
                    ft.Container(body(row.name, bold=True), expand=True),
                    body(row.amount, bold=True),
                ],
            ),
            body(f"{row.days} · {row.reference}", size=theme.SMALL, color=theme.MUTED),
            body(row.route, size=theme.SMALL),
        ]
        t = self.shell.ctx.t
        badges: list[ft.Control] = []
        if row.due_today:
            badges.append(tag(row.due_today, warning=True))
        if row.visited:
            badges.append(tag(t("mobile.stop.visited")))
        if row.skipped:
            badges.append(tag(t("mobile.stop.kind.skip"), warning=True))
        if badges:
            lines.append(ft.Row(badges, wrap=True, spacing=6))
        if not row.done:
            lines.append(self._stop_actions(row))
        return ft.Container(
            ft.Column(lines, spacing=4),
            bgcolor=theme.CARD,
            padding=12,
            border_radius=10,
            ink=True,
            on_click=bind(self.shell.open_account, row.account_id),
        )

    def _stop_actions(self, row: StopRow) -> ft.Row:
        t = self.shell.ctx.t

        def action(label: str, icon: ft.IconData, enabled: bool, kind: str) -> ft.TextButton:
            return ft.TextButton(
                ft.Text(label, size=theme.SMALL),
                icon=icon,
                disabled=not enabled,
                height=44,
                on_click=bind(self._ask_reason, row, kind),
                style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=6)),
            )

        return ft.Row(
            [
                action(t("mobile.stop.up"), ft.Icons.ARROW_UPWARD, row.can_move_up, "up"),
                action(t("mobile.stop.down"), ft.Icons.ARROW_DOWNWARD, row.can_move_down, "down"),
                action(t("mobile.stop.skip"), ft.Icons.SKIP_NEXT, True, "skip"),
            ],
            spacing=0,
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        )

    async def _ask_reason(self, row: StopRow, kind: str) -> None:
        """The short list of reasons; picking one records the change."""
        t = self.shell.ctx.t
        question = "mobile.stop.why_skip" if kind == "skip" else "mobile.stop.why_move"
        choices = [
            secondary(label, bind(self._chosen, row, kind, reason))
            for reason, label in self.vm.reasons()
        ]
        self.shell.page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(t(question, name=row.name), size=theme.BODY),
                content=ft.Column([ft.Row([c]) for c in choices], tight=True, spacing=8),
                actions=[
                    ft.TextButton(
                        t("mobile.stop.cancel"), on_click=lambda _: self.shell.page.pop_dialog()
                    )
                ],
            )
        )

    async def _chosen(self, row: StopRow, kind: str, reason: StopReason) -> None:
        self.shell.page.pop_dialog()
        if kind == "skip":
            self.vm.skip(row.debtor_id, reason)
        else:
            self.vm.move(row.debtor_id, kind == "up", reason)
        await self.refresh()  # send it and get the day timed again (offline: shown as is)

    def _held(self, row: HeldRow) -> ft.Control:
        lines: list[ft.Control] = [
            ft.Row(
                [
                    ft.Icon(ft.Icons.DO_NOT_DISTURB_ON_OUTLINED, color=theme.MUTED),
                    ft.Container(body(row.name, bold=True), expand=True),
                    body(row.amount),
                ],
            ),
            body(row.reference, size=theme.SMALL, color=theme.MUTED),
            ft.Row([tag(row.reason, warning=True)], wrap=True),
        ]
        return ft.Container(
            ft.Column(lines, spacing=4),
            bgcolor=theme.CARD,
            padding=12,
            border_radius=10,
            ink=True,
            on_click=bind(self.shell.open_account, row.account_id),
        )

    async def refresh(self, _: object = None) -> None:
        self.vm.refreshing = True
        self.shell.render()
        await self.vm.refresh()
        await self.shell.after_sync()

    async def _on_scroll(self, e: ft.OnScrollEvent) -> None:
        if self.vm.should_refresh(e.pixels, e.min_scroll_extent):
            await self.refresh()

    def _all(self, _: object = None) -> None:
        self.vm.clear_filters()
        self.shell.render()

    def _promise_due(self, _: object = None) -> None:
        self.vm.promise_due = not self.vm.promise_due
        self.shell.render()

    def _not_visited(self, _: object = None) -> None:
        self.vm.not_visited = not self.vm.not_visited
        self.shell.render()

    def _bucket(self, bucket: object) -> None:
        self.vm.toggle_bucket(bucket)  # type: ignore[arg-type]
        self.shell.render()
