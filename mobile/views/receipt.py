"""The receipt screen after a payment: the code and a QR code of its public URL, big enough
for the debtor to scan off the agent's phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from mobile.outbox import PENDING
from mobile.viewmodels.receipt import ReceiptViewModel
from mobile.views import theme
from mobile.views.widgets import body, notice, primary

if TYPE_CHECKING:
    from mobile.views.shell import Shell

QR_SIZE = 240


class ReceiptScreen:
    def __init__(self, shell: Shell, client_id: str) -> None:
        self.shell = shell
        self.vm = ReceiptViewModel(shell.ctx, client_id)
        self.view = shell.pushed_view("/receipt", shell.ctx.t("mobile.receipt.title"))
        self.loading = True

    def open(self) -> None:
        """Show the screen and load the receipt (syncing first if need be)."""
        self.shell.push(self)
        self.shell.page.run_task(self.load)

    async def load(self, _: object = None) -> None:
        self.loading = True
        self.shell.render()
        await self.vm.load()
        self.loading = False
        self.shell.render()

    def render(self) -> None:
        t, vm = self.shell.ctx.t, self.vm
        items: list[ft.Control] = []
        if vm.amount:
            items.append(body(vm.amount, size=28, bold=True))
        if self.loading:
            items.append(ft.ProgressBar())
        if vm.code:
            items.append(body(t("mobile.receipt.code", code=vm.code), size=theme.BODY, bold=True))
            if vm.qr is not None:
                items.append(
                    ft.Row(
                        [
                            ft.Image(
                                src=vm.qr,
                                width=QR_SIZE,
                                height=QR_SIZE,
                                semantics_label=t("mobile.receipt.qr"),
                            )
                        ],
                        alignment=ft.MainAxisAlignment.CENTER,
                    )
                )
            items.append(body(t("mobile.receipt.scan"), size=theme.SMALL))
            items.append(ft.Text(vm.url or "", size=theme.SMALL, selectable=True))
        elif vm.problem:
            items.append(notice(vm.problem, "error"))
        elif not self.loading and vm.status == PENDING:
            items.append(notice(t("mobile.receipt.pending"), "warning"))
            items.append(ft.Row([primary(t("mobile.sync.now"), self.load, icon=ft.Icons.SYNC)]))
        self.view.controls = [ft.ListView(items, expand=True, spacing=12, padding=16)]
