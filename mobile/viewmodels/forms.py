"""The promise and payment forms: typed text in, a validated action payload out.

Both are used on their own (from the account) and inside the visit form when the outcome is
``promise`` or ``paid`` (the visit and its promise or payment are then queued together).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Literal

from mobile.session import AppContext
from mobile.viewmodels import format as fmt
from mobile.viewmodels.confirm import Confirmation, Row
from shared.money import MoneyError, from_decimal, parse_amount, to_decimal
from shared.schemas.field import (
    AccountBundle,
    PaymentPayload,
    PromisePayload,
    SyncActionType,
)

PaymentMethodName = Literal["cash", "transfer", "card_terminal"]
METHODS: tuple[PaymentMethodName, ...] = ("cash", "transfer", "card_terminal")
#: A promise is for the next days unless the agent types another date.
DEFAULT_PROMISE_DAYS = 7


class _AmountForm:
    """Shared by both forms: an amount in the account's currency, not above its balance."""

    def __init__(self, ctx: AppContext, bundle: AccountBundle) -> None:
        self.ctx = ctx
        self.account_id: uuid.UUID = bundle.account.id
        self.currency = bundle.account.currency
        self.balance_minor = bundle.account.balance_minor
        self.amount = ""
        self.errors: dict[str, str] = {}

    @property
    def amount_label(self) -> str:
        return self.ctx.t("mobile.form.amount", currency=self.currency)

    def _amount_minor(self) -> int | None:
        try:
            minor = parse_amount(self.amount, self.currency)
        except MoneyError:
            minor = 0
        if minor <= 0:
            self.errors["amount"] = self.ctx.t("mobile.form.bad_amount")
            return None
        if minor > self.balance_minor:
            balance = fmt.money(self.balance_minor, self.currency, self.ctx.lang)
            self.errors["amount"] = self.ctx.t("mobile.form.too_much", balance=balance)
            return None
        return minor

    def _date(self, field: str, text: str) -> date | None:
        value = fmt.parse_day(text)
        if value is None:
            self.errors[field] = self.ctx.t("mobile.form.bad_date")
        return value


class PromiseForm(_AmountForm):
    """Amount and due date of a promise to pay."""

    type = SyncActionType.promise

    def __init__(self, ctx: AppContext, bundle: AccountBundle, today: date) -> None:
        super().__init__(ctx, bundle)
        self.today = today
        self.due_date = (today + timedelta(days=DEFAULT_PROMISE_DAYS)).isoformat()

    def payload(self) -> PromisePayload | None:
        """The action's payload, or ``None`` with :attr:`errors` set."""
        self.errors = {}
        minor = self._amount_minor()
        due = self._date("due_date", self.due_date)
        if due is not None and due < self.today:
            self.errors["due_date"] = self.ctx.t("mobile.form.past_date")
        if self.errors or minor is None or due is None:
            return None
        return PromisePayload(
            amount=to_decimal(minor, self.currency), currency=self.currency, due_date=due
        )


class PaymentForm(_AmountForm):
    """A payment taken in the field: amount, method, receipt number, date."""

    type = SyncActionType.payment

    def __init__(self, ctx: AppContext, bundle: AccountBundle, today: date) -> None:
        super().__init__(ctx, bundle)
        self.today = today
        self.method: PaymentMethodName = "cash"
        self.receipt_number = ""
        self.paid_on = today.isoformat()
        self.photo_ref = ""

    def method_label(self, method: PaymentMethodName) -> str:
        return self.ctx.t(f"mobile.method.{method}")

    def confirmation(self) -> Confirmation | None:
        """What the agent and the debtor check before the payment is saved: the balance, the
        payment (method, receipt, date) and what stays owed; ``None`` with :attr:`errors`
        set when the form is invalid."""
        payload = self.payload()
        if payload is None:
            return None
        t, lang, currency = self.ctx.t, self.ctx.lang, self.currency
        minor = from_decimal(payload.amount, currency)
        remaining = self.balance_minor - minor
        rows = [
            Row(
                t("mobile.confirm.balance"),
                "",
                fmt.money(self.balance_minor, currency, lang),
                self.balance_minor,
            ),
            Row(
                t(
                    "mobile.confirm.payment_row",
                    method=self.method_label(self.method),
                    receipt=payload.receipt_number,
                ),
                fmt.day(payload.paid_on, lang),
                fmt.money(-minor, currency, lang),
                -minor,
            ),
        ]
        return Confirmation(
            t("mobile.confirm.payment_title"),
            rows,
            t("mobile.confirm.remaining"),
            fmt.money(remaining, currency, lang),
            remaining,
            [],
        )

    def payload(
        self, latitude: float | None = None, longitude: float | None = None
    ) -> PaymentPayload | None:
        """The action's payload (with the check-in position, if any), or ``None`` with
        :attr:`errors` set."""
        self.errors = {}
        minor = self._amount_minor()
        paid_on = self._date("paid_on", self.paid_on)
        if paid_on is not None and paid_on > self.today:
            self.errors["paid_on"] = self.ctx.t("mobile.form.future_date")
        receipt = self.receipt_number.strip()
        if not receipt:
            self.errors["receipt_number"] = self.ctx.t("mobile.payment.need_receipt")
        if self.errors or minor is None or paid_on is None:
            return None
        return PaymentPayload(
            amount=to_decimal(minor, self.currency),
            currency=self.currency,
            method=self.method,
            receipt_number=receipt,
            paid_on=paid_on,
            photo_ref=self.photo_ref.strip() or None,
            latitude=latitude,
            longitude=longitude,
        )


def save_form(ctx: AppContext, form: PromiseForm | PaymentForm) -> str | None:
    """Queue a promise or payment recorded on its own; ``None`` when the form is invalid."""
    payload = form.payload()
    if payload is None:
        return None
    return ctx.session.outbox.record(form.type, payload, account_id=form.account_id)
