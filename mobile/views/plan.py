"""The plan screen: the engine's offers, accepted with the debtor, or a payment link by
WhatsApp."""

from __future__ import annotations

import uuid
from functools import partial
from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.account import AccountViewModel
from mobile.viewmodels.plan import PlanViewModel
from mobile.views import theme
from mobile.views.confirm import confirm
from mobile.views.widgets import bind, body, notice, primary, secondary

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class PlanScreen:
    def __init__(self, shell: Shell, account: AccountViewModel) -> None:
        assert account.bundle is not None
        self.shell = shell
        self.vm = PlanViewModel(shell.ctx, account.bundle)
        self.view = shell.pushed_view("/plan", shell.ctx.t("mobile.plan.title"))

    def render(self) -> None:
        t = self.shell.ctx.t
        items: list[ft.Control] = []
        if not self.vm.loaded:
            items.append(
                ft.Row([primary(t("mobile.plan.load"), self.load, icon=ft.Icons.CALCULATE)])
            )
        if self.vm.message:
            items.append(notice(self.vm.message, "warning"))
        for row in self.vm.rows():
            items.append(
                ft.Container(
                    ft.Column(
                        [
                            body(row.title, bold=True),
                            body(row.detail, size=theme.SMALL, color=theme.MUTED),
                            ft.Row(
                                [
                                    primary(
                                        t("mobile.plan.accept"),
                                        bind(self.accept, row.offer_id),
                                    )
                                ]
                            ),
                        ],
                        spacing=6,
                    ),
                    bgcolor=theme.CARD,
                    padding=12,
                    border_radius=10,
                )
            )
        items.append(ft.Row([secondary(t("mobile.plan.link"), self.send_link, icon=ft.Icons.CHAT)]))
        self.view.controls = [ft.ListView(items, expand=True, spacing=10, padding=12)]

    async def load(self, _: object = None) -> None:
        await self.vm.load()
        self.shell.render()

    async def accept(self, offer_id: uuid.UUID) -> None:
        """Show the schedule to the debtor first; accept on Confirm."""
        confirm(self.shell, self.vm.confirmation(offer_id), partial(self._accepted, offer_id))

    async def _accepted(self, offer_id: uuid.UUID) -> None:
        if await self.vm.accept(offer_id):
            await self.shell.saved(self.vm.message or "")
            return
        self.shell.render()

    async def send_link(self, _: object = None) -> None:
        url = await self.vm.payment_link()
        if url is not None:
            await self.shell.launch(url)
        self.shell.render()
