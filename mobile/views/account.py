"""The account screen and the screens opened from it (visit, promise, payment, plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.account import AccountViewModel
from mobile.views import theme
from mobile.views.forms import PaymentScreen, PromiseScreen
from mobile.views.plan import PlanScreen
from mobile.views.visit import VisitScreen
from mobile.views.widgets import body, heading, notice, primary, secondary, section

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class AccountScreen:
    def __init__(self, shell: Shell, vm: AccountViewModel) -> None:
        self.shell = shell
        self.vm = vm
        self.view = shell.pushed_view("/account", vm.name or shell.ctx.t("mobile.account.title"))

    def render(self) -> None:
        t = self.shell.ctx.t
        vm = self.vm
        vm.reload()  # a sync or a saved form may have changed it
        if vm.bundle is None:
            self.view.controls = [notice(vm.message or t("mobile.account.missing"), "warning")]
            return
        items: list[ft.Control] = []
        for item in vm.attention():
            items.append(
                notice(
                    f"{item.title}\n{item.message}",
                    "error",
                    [
                        ft.Button(
                            t("mobile.conflict.ack"),
                            on_click=lambda _, c=item.client_id: self._acknowledge(c),
                            height=theme.TOUCH,
                        )
                    ],
                )
            )
        items += [
            heading(vm.name),
            body(vm.reference, size=theme.SMALL, color=theme.MUTED),
            ft.Row(
                [
                    body(t("mobile.account.balance")),
                    ft.Text(vm.balance, size=26, weight=ft.FontWeight.BOLD, color=theme.INK),
                ],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            ),
            body(vm.aging),
        ]
        if (payments := vm.pending_payments()) is not None:
            items.append(notice(payments, "warning"))
        if (pending := vm.pending_text()) is not None:
            items.append(notice(pending, "info"))
        items += [
            ft.Row(
                [primary(t("mobile.account.record_visit"), self._visit, icon=ft.Icons.HOW_TO_REG)]
            ),
            ft.Row(
                [
                    secondary(t("mobile.account.promise_button"), self._promise),
                    secondary(t("mobile.account.payment_button"), self._payment),
                    secondary(t("mobile.account.plan_button"), self._plan),
                ],
                spacing=6,
            ),
            heading(t("mobile.account.contacts")),
        ]
        for contact in vm.contacts():
            items += [
                body(contact.phone, bold=True),
                ft.Row(
                    [
                        secondary(
                            t("mobile.account.call"), url=contact.call_url, icon=ft.Icons.CALL
                        ),
                        secondary(
                            t("mobile.account.whatsapp"),
                            url=contact.whatsapp_url,
                            icon=ft.Icons.CHAT,
                        ),
                    ],
                    spacing=6,
                ),
            ]
        items += [heading(t("mobile.account.address")), body(vm.address_text())]
        if (directions := vm.directions()) is not None:
            items.append(
                ft.Row(
                    [
                        secondary(
                            t("mobile.account.directions"), url=directions, icon=ft.Icons.DIRECTIONS
                        )
                    ]
                )
            )
        items += [
            section(t("mobile.account.plan"), vm.plan(), t("mobile.account.no_plan")),
            section(t("mobile.account.promise"), vm.promise(), t("mobile.account.no_promise")),
            section(t("mobile.account.visits"), vm.visits(), t("mobile.account.no_visits")),
            section(t("mobile.account.notes"), vm.notes(), t("mobile.account.no_notes")),
            section(t("mobile.account.ledger"), vm.ledger(), t("mobile.account.no_ledger")),
        ]
        self.view.controls = [ft.ListView(items, expand=True, spacing=10, padding=12)]

    def _acknowledge(self, client_id: str) -> None:
        self.vm.acknowledge(client_id)
        self.shell.render()

    def _visit(self, _: object = None) -> None:
        self.shell.push(VisitScreen(self.shell, self.vm))

    def _promise(self, _: object = None) -> None:
        self.shell.push(PromiseScreen(self.shell, self.vm))

    def _payment(self, _: object = None) -> None:
        self.shell.push(PaymentScreen(self.shell, self.vm))

    def _plan(self, _: object = None) -> None:
        self.shell.push(PlanScreen(self.shell, self.vm))
