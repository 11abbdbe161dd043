"""Promise and payment forms, on their own screen or inside the visit screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels import format as fmt
from mobile.viewmodels.account import AccountViewModel
from mobile.viewmodels.forms import METHODS, PaymentForm, PromiseForm, save_form
from mobile.views import theme
from mobile.views.confirm import confirm
from mobile.views.receipt import ReceiptScreen
from mobile.views.widgets import body, field, notice, primary, secondary

if TYPE_CHECKING:
    from mobile.views.shell import Shell

#: How far ahead a promise or a next action may be set, and how far back a payment dated.
AHEAD_DAYS = 90
BACK_DAYS = 30
METHOD_ICONS = {
    "cash": ft.Icons.PAYMENTS,
    "transfer": ft.Icons.SWAP_HORIZ,
    "card_terminal": ft.Icons.CREDIT_CARD,
}


def date_field(
    shell: Shell,
    label: str,
    value: str,
    *,
    first: date,
    last: date,
    on_pick: Callable[[date], None],
    error: str | None = None,
) -> ft.Control:
    """A day chosen on Flet's calendar (no typing): a button that shows the day and opens a
    :class:`ft.DatePicker` limited to ``first``..``last``."""
    t, lang = shell.ctx.t, shell.ctx.lang
    chosen = fmt.parse_day(value)
    text = (
        f"{label}: {fmt.day(chosen, lang)}" if chosen else t("mobile.form.pick_date", label=label)
    )

    def picked(e: ft.ControlEvent) -> None:
        value = e.control.value
        if value is not None:
            on_pick(value.date() if isinstance(value, datetime) else value)

    def open_picker(_: object) -> None:
        shell.page.show_dialog(
            ft.DatePicker(
                value=chosen or max(first, min(last, shell.today())),
                first_date=first,
                last_date=last,
                current_date=shell.today(),
                help_text=label,
                confirm_text=t("mobile.confirm.ok"),
                cancel_text=t("mobile.confirm.cancel"),
                locale=ft.Locale(lang),
                on_change=picked,
            )
        )

    button = secondary(text, open_picker, icon=ft.Icons.CALENDAR_MONTH)
    if error is None:
        return ft.Row([button])
    return ft.Column([ft.Row([button]), body(error, size=theme.SMALL, color=theme.DANGER)])


class PromiseFields:
    """The promise's inputs; :meth:`read` copies them into the form view model."""

    def __init__(self, shell: Shell, form: PromiseForm, read_all: Callable[[], None]) -> None:
        self.shell = shell
        self.form = form
        self.read_all = read_all  # the screen's fields, read before a redraw
        self.amount = field("", keyboard_type=ft.KeyboardType.NUMBER)

    def controls(self) -> list[ft.Control]:
        t, form = self.shell.ctx.t, self.form
        self.amount.label, self.amount.value = form.amount_label, form.amount
        self.amount.error = form.errors.get("amount")
        due = date_field(
            self.shell,
            t("mobile.form.promise_date"),
            form.due_date,
            first=form.today,
            last=form.today + timedelta(days=AHEAD_DAYS),
            on_pick=self._due,
            error=form.errors.get("due_date"),
        )
        return [self.amount, due]

    def read(self) -> None:
        self.form.amount = self.amount.value or ""

    def _due(self, day: date) -> None:
        self.read_all()
        self.form.due_date = day.isoformat()
        self.shell.render()


class PaymentFields:
    """The payment's inputs: amount, method (three big toggles), receipt number, date."""

    def __init__(self, shell: Shell, form: PaymentForm, read_all: Callable[[], None]) -> None:
        self.shell = shell
        self.form = form
        self.read_all = read_all
        self.amount = field("", keyboard_type=ft.KeyboardType.NUMBER)
        self.receipt = field("")

    def controls(self) -> list[ft.Control]:
        t, form = self.shell.ctx.t, self.form
        self.amount.label, self.amount.value = form.amount_label, form.amount
        self.amount.error = form.errors.get("amount")
        self.receipt.label, self.receipt.value = t("mobile.payment.receipt"), form.receipt_number
        self.receipt.error = form.errors.get("receipt_number")
        # One method a row: "Transferencia" and "Tarjeta (POS)" do not fit three abreast at 360 px.
        methods = [
            ft.Row(
                [
                    secondary(
                        form.method_label(method),
                        lambda _, m=method: self._method(m),
                        icon=METHOD_ICONS[method],
                        selected=form.method == method,
                    )
                ]
            )
            for method in METHODS
        ]
        paid_on = date_field(
            self.shell,
            t("mobile.form.payment_date"),
            form.paid_on,
            first=form.today - timedelta(days=BACK_DAYS),
            last=form.today,
            on_pick=self._paid_on,
            error=form.errors.get("paid_on"),
        )
        return [
            self.amount,
            body(t("mobile.payment.method")),
            *methods,
            self.receipt,
            paid_on,
        ]

    def read(self) -> None:
        self.form.amount = self.amount.value or ""
        self.form.receipt_number = self.receipt.value or ""

    def _method(self, method: str) -> None:
        self.read_all()
        self.form.method = method  # type: ignore[assignment]
        self.shell.render()

    def _paid_on(self, day: date) -> None:
        self.read_all()
        self.form.paid_on = day.isoformat()
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
        self.list = ft.ListView(expand=True, spacing=12, padding=12)  # keeps its scroll
        self.fields = self._fields()

    def _fields(self) -> PromiseFields | PaymentFields:
        raise NotImplementedError

    def render(self) -> None:
        t = self.shell.ctx.t
        controls = self.fields.controls()
        if self.fields.form.errors:
            controls.append(notice("\n".join(self.fields.form.errors.values()), "error"))
        controls.append(ft.Row([primary(t(self.save_key), self.save, icon=ft.Icons.SAVE)]))
        self.list.controls = controls
        self.view.controls = [self.list]

    async def save(self, _: object = None) -> None:
        self.fields.read()
        await self._record()

    async def _record(self) -> None:
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
        form = PromiseForm(self.shell.ctx, bundle, self.shell.today())
        return PromiseFields(self.shell, form, lambda: self.fields.read())


class PaymentScreen(_FormScreen):
    title_key, save_key, saved_key = (
        "mobile.payment.title",
        "mobile.payment.save",
        "mobile.payment.saved",
    )

    def _fields(self) -> PaymentFields:
        bundle = self.account.bundle
        assert bundle is not None
        form = PaymentForm(self.shell.ctx, bundle, self.shell.today())
        return PaymentFields(self.shell, form, lambda: self.fields.read())

    async def save(self, _: object = None) -> None:
        """The payment is confirmed with the debtor (amount, date, what stays owed) first."""
        self.fields.read()
        assert isinstance(self.fields, PaymentFields)
        confirmation = self.fields.form.confirmation()
        if confirmation is None:
            self.shell.render()
            return
        confirm(self.shell, confirmation, self._record)
