"""The visit screen: check in, pick the outcome, add what goes with it, save."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.account import AccountViewModel
from mobile.viewmodels.visit import VisitViewModel
from mobile.views.confirm import confirm
from mobile.views.forms import AHEAD_DAYS, PaymentFields, PromiseFields, date_field
from mobile.views.photo import PhotoPicker
from mobile.views.receipt import ReceiptScreen
from mobile.views.widgets import field, heading, notice, primary, secondary
from shared.schemas.field import VisitOutcome

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class VisitScreen:
    def __init__(self, shell: Shell, account: AccountViewModel) -> None:
        assert account.bundle is not None
        self.shell = shell
        self.vm = VisitViewModel(shell.ctx, account.bundle, shell.today())
        self.view = shell.pushed_view(
            "/visit", f"{shell.ctx.t('mobile.visit.title')} · {account.name}"
        )
        self.promise = PromiseFields(shell, self.vm.promise, self._read)
        self.payment = PaymentFields(shell, self.vm.payment, self._read)
        self.note = field("", multiline=True, min_lines=2, max_lines=4)
        # One list for the screen's life: a redraw (an outcome, a date picked) keeps the
        # agent where they were in the form.
        self.list = ft.ListView(expand=True, spacing=10, padding=12)
        self.photo = PhotoPicker(shell, self.vm, self._read)

    def render(self) -> None:
        t = self.shell.ctx.t
        vm = self.vm
        items: list[ft.Control] = [
            ft.Row(
                [
                    primary(t("mobile.visit.check_in"), self.check_in, icon=ft.Icons.MY_LOCATION)
                    if not vm.checked_in
                    else secondary(
                        t("mobile.visit.check_in"), self.check_in, icon=ft.Icons.MY_LOCATION
                    )
                ]
            )
        ]
        if (found := vm.check_in_text()) is not None:
            items.append(notice(found, "ok"))
        if (far := vm.far_warning()) is not None:
            items.append(notice(far, "warning"))
        items.append(heading(t("mobile.visit.outcome")))
        outcomes = vm.outcomes()
        for start in range(0, len(outcomes), 2):
            items.append(
                ft.Row(
                    [
                        secondary(
                            label,
                            lambda _, o=outcome: self.choose(o),
                            selected=vm.outcome is outcome,
                        )
                        for outcome, label in outcomes[start : start + 2]
                    ],
                    spacing=6,
                )
            )
        if vm.outcome is VisitOutcome.promise:
            items += self.promise.controls()
        elif vm.outcome is VisitOutcome.paid:
            items += self.payment.controls()
        self.note.label, self.note.value = t("mobile.visit.note"), vm.note
        today = self.shell.today()
        next_action = date_field(
            self.shell,
            t("mobile.visit.next_action"),
            vm.next_action_date,
            first=today,
            last=today + timedelta(days=AHEAD_DAYS),
            on_pick=self._next_action,
            error=vm.errors.get("next_action_date"),
        )
        items += [self.note, *self.photo.controls(), next_action]
        # Check-in and outcome errors here; the fields show their own.
        errors = [e for k, e in vm.errors.items() if k not in ("next_action_date", "photo")]
        if errors:
            items.append(notice("\n".join(errors), "error"))
        items.append(ft.Row([primary(t("mobile.visit.save"), self.save, icon=ft.Icons.SAVE)]))
        self.list.controls = items
        self.view.controls = [self.list]

    def _read(self) -> None:
        self.vm.note = self.note.value or ""
        if self.vm.outcome is VisitOutcome.promise:
            self.promise.read()
        elif self.vm.outcome is VisitOutcome.paid:
            self.payment.read()

    async def check_in(self, _: object = None) -> None:
        self._read()
        await self.vm.check_in()
        self.shell.render()

    def choose(self, outcome: VisitOutcome) -> None:
        self._read()
        self.vm.outcome = outcome
        self.shell.render()

    def _next_action(self, day: date) -> None:
        self._read()
        self.vm.next_action_date = day.isoformat()
        self.shell.render()

    async def save(self, _: object = None) -> None:
        """Save; a payment taken at the visit is confirmed with the debtor first."""
        self._read()
        if self.vm.outcome is VisitOutcome.paid:
            confirmation = self.vm.confirmation()
            if confirmation is None:
                self.shell.render()
                return
            confirm(self.shell, confirmation, self._record)
            return
        await self._record()

    async def _record(self) -> None:
        client_ids = self.vm.save()
        if client_ids is None:
            self.shell.render()
            return
        await self.shell.saved(self.shell.ctx.t("mobile.visit.saved"))
        if self.vm.outcome is VisitOutcome.paid:  # the payment's receipt, to scan
            ReceiptScreen(self.shell, client_ids[-1]).open()
