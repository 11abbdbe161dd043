"""Promise and payment forms, on their own screen or inside the visit screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.account import AccountViewModel
from mobile.viewmodels.forms import METHODS, PaymentForm, PromiseForm, save_form
from mobile.views.receipt import ReceiptScreen
from mobile.views.widgets import field, notice, primary, secondary

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class PromiseFields:
    """The promise's inputs; :meth:`read` copies them into the form view model."""

    def __init__(self, shell: Shell, form: PromiseForm) -> None:
        self.shell = shell
        self.form = form
        self.amount = field("", keyboard_type=ft.KeyboardType.NUMBER)
        self.due = field("")

    def controls(self) -> list[ft.Control]:
        t, form = self.shell.ctx.t, self.form
        self.amount.label, self.amount.value = form.amount_label, form.amount
        self.amount.error = form.errors.get("amount")
        self.due.label, self.due.value = t("mobile.form.date"), form.due_date
        self.due.error = form.errors.get("due_date")
        return [self.amount, self.due]

    def read(self) -> None:
        self.form.amount = self.amount.value or ""
        self.form.due_date = self.due.value or ""


class PaymentFields:
    """The payment's inputs: amount, method (three big toggles), receipt number, date."""

    def __init__(self, shell: Shell, form: PaymentForm) -> None:
        self.shell = shell
        self.form = form
        self.amount = field("", keyboard_type=ft.KeyboardType.NUMBER)
        self.receipt = field("")
        self.paid_on = field("")

    def controls(self) -> list[ft.Control]:
        t, form = self.shell.ctx.t, self.form
        self.amount.label, self.amount.value = form.amount_label, form.amount
        self.amount.error = form.errors.get("amount")
        self.receipt.label, self.receipt.value = t("mobile.payment.receipt"), form.receipt_number
        self.receipt.error = form.errors.get("receipt_number")
        self.paid_on.label, self.paid_on.value = t("mobile.form.date"), form.paid_on
        self.paid_on.error = form.errors.get("paid_on")
        methods = ft.Row(
            [
                secondary(
                    form.method_label(method),
                    lambda _, m=method: self._method(m),
                    selected=form.method == method,
                )
                for method in METHODS
            ],
            spacing=4,
        )
        return [
            self.amount,
            ft.Text(t("mobile.payment.method")),
            methods,
            self.receipt,
            self.paid_on,
        ]

    def read(self) -> None:
        self.form.amount = self.amount.value or ""
        self.form.receipt_number = self.receipt.value or ""
        self.form.paid_on = self.paid_on.value or ""

    def _method(self, method: str) -> None:
        self.read()
        self.form.method = method  # type: ignore[assignment]
        self.shell.render()


class _FormScreen:
    """A promise or payment recorded on its own from the account screen."""

    title_key: str
    save_key: str
    saved_key: str

    def __init__(self, shell: Shell, account: AccountViewModel) -> None:
        self.shell = shell
        self.account = account
        self.view = shell.pushed_view("/form", shell.ctx.t(self.title_key))
        self.fields = self._fields()

    def _fields(self) -> PromiseFields | PaymentFields:
        raise NotImplementedError

    def render(self) -> None:
        t = self.shell.ctx.t
        controls = self.fields.controls()
        if self.fields.form.errors:
            controls.append(notice("\n".join(self.fields.form.errors.values()), "error"))
        controls.append(ft.Row([primary(t(self.save_key), self.save, icon=ft.Icons.SAVE)]))
        self.view.controls = [ft.ListView(controls, expand=True, spacing=12, padding=12)]

    async def save(self, _: object = None) -> None:
        self.fields.read()
        client_id = save_form(self.shell.ctx, self.fields.form)
        if client_id is None:
            self.shell.render()
            return
        await self.shell.saved(self.shell.ctx.t(self.saved_key))
        if isinstance(self.fields, PaymentFields):  # the debtor's receipt, to scan
            ReceiptScreen(self.shell, client_id).open()


class PromiseScreen(_FormScreen):
    title_key, save_key, saved_key = (
        "mobile.promise.title",
        "mobile.promise.save",
        "mobile.promise.saved",
    )

    def _fields(self) -> PromiseFields:
        bundle = self.account.bundle
        assert bundle is not None
        return PromiseFields(self.shell, PromiseForm(self.shell.ctx, bundle, self.shell.today()))


class PaymentScreen(_FormScreen):
    title_key, save_key, saved_key = (
        "mobile.payment.title",
        "mobile.payment.save",
        "mobile.payment.saved",
    )

    def _fields(self) -> PaymentFields:
        bundle = self.account.bundle
        assert bundle is not None
        return PaymentFields(self.shell, PaymentForm(self.shell.ctx, bundle, self.shell.today()))
