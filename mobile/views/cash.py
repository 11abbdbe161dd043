"""The day's cash screen (from Today): totals per currency to deposit, then each payment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.cash import CashViewModel
from mobile.views import theme
from mobile.views.widgets import body, notice

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class CashScreen:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.vm = CashViewModel(shell.ctx)
        self.view = shell.pushed_view("/cash", shell.ctx.t("mobile.cash.title"))
        self.loading = True

    async def open(self, _: object = None) -> None:
        self.shell.push(self)
        await self.vm.load()
        self.loading = False
        self.shell.render()

    def render(self) -> None:
        t, vm = self.shell.ctx.t, self.vm
        items: list[ft.Control] = []
        if self.loading:
            items.append(ft.ProgressBar())
        if vm.message:
            items.append(notice(vm.message, "warning"))
        if vm.summary is not None:
            items.append(body(vm.day(), size=theme.SMALL))
            totals = vm.totals() or [t("mobile.cash.none")]
            items += [body(total, size=22, bold=True) for total in totals]
        if waiting := vm.waiting():
            items.append(notice(t("mobile.cash.waiting", count=waiting), "warning"))
        for line in vm.lines():
            items.append(
                ft.Container(
                    ft.Row(
                        [
                            ft.Column(
                                [
                                    body(line.debtor, bold=True),
                                    body(f"{line.time} · {line.receipt}", size=theme.SMALL),
                                ],
                                spacing=2,
                                expand=True,
                            ),
                            body(line.amount, bold=True),
                        ]
                    ),
                    padding=ft.Padding.symmetric(vertical=6),
                    border=ft.Border.only(bottom=ft.BorderSide(1, "#D0D5DD")),
                )
            )
        self.view.controls = [ft.ListView(items, expand=True, spacing=8, padding=16)]
