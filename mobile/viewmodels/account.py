"""One account: debtor, contacts, address, balance and aging, ledger, plan, promise, visits,
notes, and what the server said about actions on it (conflicts and rejections)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from mobile.outbox import PENDING, now
from mobile.session import AppContext
from mobile.store import OutboxRow
from mobile.viewmodels import format as fmt
from shared.client import ApiError, ApiUnavailable
from shared.money import from_decimal
from shared.schemas.debtors import AddressRead
from shared.schemas.enums import CREDIT_KINDS, AgingBucket, EntryKind
from shared.schemas.field import (
    AccountBundle,
    AccountState,
    PaymentPayload,
    PromisePayload,
    SyncActionType,
    SyncResult,
)


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str
    call_url: str
    whatsapp_url: str


@dataclass(frozen=True, slots=True)
class Line:
    """A row of a section: a title, a detail line and an optional tag (``por enviar``...)."""

    title: str
    detail: str
    tag: str | None = None
    warning: bool = False


@dataclass(frozen=True, slots=True)
class Attention:
    """A conflict or rejection to show on top of the account until acknowledged."""

    client_id: str
    title: str
    message: str


def call_url(phone: str) -> str:
    return f"tel:{re.sub(r'[^0-9+]', '', phone)}"


def whatsapp_url(phone: str, text: str | None = None) -> str:
    """``https://wa.me/<digits>``, which opens WhatsApp on the phone (with ``text`` typed)."""
    url = f"https://wa.me/{re.sub(r'[^0-9]', '', phone)}"
    return f"{url}?{urlencode({'text': text}, quote_via=quote)}" if text else url


def directions_url(address: AddressRead) -> str:
    """Directions from where the phone is, in the maps app (or the browser)."""
    if address.latitude is not None and address.longitude is not None:
        destination = f"{address.latitude},{address.longitude}"
    else:
        destination = ", ".join(p for p in (address.line1, address.district, address.city) if p)
    return "https://www.google.com/maps/dir/?" + urlencode(
        {"api": "1", "destination": destination}, quote_via=quote
    )


class AccountViewModel:
    """Reads the account's bundle from the store (fetching it when missing and online)."""

    def __init__(self, ctx: AppContext, account_id: uuid.UUID) -> None:
        self.ctx = ctx
        self.account_id = account_id
        self.bundle: AccountBundle | None = None
        self.message: str | None = None

    async def load(self) -> None:
        session = self.ctx.session
        self.bundle = session.store.bundle(self.account_id)
        if self.bundle is not None:
            return
        try:
            self.bundle = await session.api.get_account_bundle(self.account_id)
        except (ApiUnavailable, ApiError):
            self.message = self.ctx.t("mobile.account.missing")
            return
        session.store.save_bundle(self.bundle, now())

    def reload(self) -> None:
        """Read the account again from the store (a sync or a saved form changed it)."""
        if (bundle := self.ctx.session.store.bundle(self.account_id)) is not None:
            self.bundle = bundle

    # --- header ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.bundle.debtor.display_name if self.bundle else ""

    @property
    def reference(self) -> str:
        if self.bundle is None:
            return ""
        account = self.bundle.account
        status = self.ctx.t(f"mobile.account_status.{account.status.value}")
        return f"{account.external_ref} · {account.product} · {status}"

    @property
    def balance(self) -> str:
        account = self.bundle.account if self.bundle else None
        return fmt.money(account.balance_minor, account.currency, self.ctx.lang) if account else ""

    @property
    def aging(self) -> str:
        if self.bundle is None:
            return ""
        account = self.bundle.account
        if account.aging_bucket is AgingBucket.CURRENT:
            return self.ctx.t("mobile.account.current")
        return self.ctx.t(
            "mobile.account.aging", bucket=account.aging_bucket.value, count=account.days_past_due
        )

    # --- contacts and address ----------------------------------------------------------------

    def contacts(self) -> list[Contact]:
        phones = self.bundle.debtor.phones if self.bundle else []
        return [Contact(p, call_url(p), whatsapp_url(p)) for p in phones]

    @property
    def address(self) -> AddressRead | None:
        addresses = self.bundle.debtor.addresses if self.bundle else []
        return addresses[0] if addresses else None

    def address_text(self) -> str:
        address = self.address
        if address is None:
            return self.ctx.t("mobile.account.no_address")
        return ", ".join(p for p in (address.line1, address.district, address.city) if p)

    def directions(self) -> str | None:
        return directions_url(self.address) if self.address else None

    # --- what the server said, what waits to be sent ----------------------------------------

    def attention(self) -> list[Attention]:
        items = []
        for row in self.ctx.session.outbox.needing_attention(self.account_id):
            result = SyncResult.model_validate(row.result or {})
            action = self.ctx.t(f"mobile.action.{row.type}")
            message = result.message or result.code or ""
            if result.server_state is not None:
                message += " " + self._state_text(result.server_state)
            items.append(
                Attention(
                    row.client_id,
                    f"{self.ctx.t('mobile.conflict.title')} · {action}",
                    message.strip(),
                )
            )
        return items

    def acknowledge(self, client_id: str) -> None:
        self.ctx.session.outbox.acknowledge(client_id)

    def pending_text(self) -> str | None:
        count = len(self._pending())
        return self.ctx.t("mobile.account.pending_here", count=count) if count else None

    def pending_payments(self) -> str | None:
        """Payments taken here and still in the outbox: the balance above does not count them
        yet (it is the server's, as of the last sync)."""
        rows = self._pending(SyncActionType.payment)
        if not rows or self.bundle is None:
            return None
        currency = self.bundle.account.currency
        total = sum(
            from_decimal(PaymentPayload.model_validate(row.payload).amount, currency)
            for row in rows
        )
        amount = fmt.money(total, currency, self.ctx.lang)
        return self.ctx.t("mobile.account.pending_payments", count=len(rows), amount=amount)

    # --- sections ----------------------------------------------------------------------------

    def ledger(self) -> list[Line]:
        """Payments waiting in the outbox first (tagged), then the server's entries."""
        lines = []
        for row in reversed(self._pending(SyncActionType.payment)):
            queued = PaymentPayload.model_validate(row.payload)
            minor = from_decimal(queued.amount, queued.currency)
            amount = fmt.money(minor, queued.currency, self.ctx.lang)
            lines.append(
                Line(
                    f"{self.ctx.t('mobile.entry.payment')}  -{amount}",
                    fmt.day(queued.paid_on, self.ctx.lang),
                    tag=self.ctx.t("mobile.status.unsynced"),
                    warning=True,
                )
            )
        for entry in self.bundle.ledger if self.bundle else []:
            sign = "-" if entry.kind in CREDIT_KINDS else ""
            if entry.kind is EntryKind.reversal:
                sign = ""
            amount = fmt.money(entry.amount_minor, entry.currency, self.ctx.lang)
            lines.append(
                Line(
                    f"{self.ctx.t(f'mobile.entry.{entry.kind.value}')}  {sign}{amount}",
                    fmt.day(entry.effective_date, self.ctx.lang)
                    + (f" · {entry.description}" if entry.description else ""),
                )
            )
        return lines

    def plan(self) -> list[Line]:
        plan = self.bundle.plan if self.bundle else None
        if plan is None:
            return []
        lang = self.ctx.lang
        lines = [
            Line(
                self.ctx.t(
                    "mobile.account.plan_progress",
                    paid=fmt.money(plan.paid_minor, plan.currency, lang),
                    total=fmt.money(plan.total_minor, plan.currency, lang),
                ),
                plan.status.value,
            )
        ]
        if plan.next_due is not None:
            lines.append(
                Line(
                    self.ctx.t(
                        "mobile.account.plan_next",
                        amount=fmt.money(plan.next_due.amount_minor, plan.currency, lang),
                        date=fmt.day(plan.next_due.due_date, lang),
                    ),
                    "",
                )
            )
        return lines

    def promise(self) -> list[Line]:
        """The open promise, and promises recorded here not yet sent (tagged)."""
        promise = self.bundle.promise if self.bundle else None
        lines = []
        if promise is not None:
            open_one = (promise.amount_minor, promise.currency, promise.due_date)
            lines.append(self._promise_line(*open_one))
        for row in self._pending(SyncActionType.promise):
            queued = PromisePayload.model_validate(row.payload)
            minor = from_decimal(queued.amount, queued.currency)
            lines.append(self._promise_line(minor, queued.currency, queued.due_date, pending=True))
        return lines

    def visits(self) -> list[Line]:
        """Visits not yet sent first (tagged), then the server's latest."""
        lang = self.ctx.lang
        lines = [
            Line(
                f"{fmt.day(row.recorded_at.date(), lang)} {fmt.clock(row.recorded_at)} · "
                + self.ctx.t(f"mobile.outcome.{row.payload['outcome']}"),
                str(row.payload.get("note") or ""),
                tag=self.ctx.t("mobile.status.pending"),
            )
            for row in reversed(self._pending(SyncActionType.visit))
        ]
        for visit in self.bundle.visits if self.bundle else []:
            at = visit.checked_in_at.astimezone(now().tzinfo)
            far = (
                self.ctx.t("mobile.account.far", distance=fmt.distance(visit.distance_m, lang))
                if visit.far
                else None
            )
            lines.append(
                Line(
                    f"{fmt.day(at.date(), lang)} {fmt.clock(at)} · "
                    + self.ctx.t(f"mobile.outcome.{visit.outcome.value}"),
                    visit.note or "",
                    tag=far,
                    warning=visit.far,
                )
            )
        return lines

    def notes(self) -> list[Line]:
        lang = self.ctx.lang
        return [
            Line(note.text, fmt.day(note.recorded_at.date(), lang))
            for note in (self.bundle.notes if self.bundle else [])
        ]

    def _pending(self, type_: SyncActionType | None = None) -> list[OutboxRow]:
        return [
            row
            for row in self.ctx.session.outbox.rows(self.account_id)
            if row.status == PENDING and (type_ is None or row.type == type_.value)
        ]

    def _promise_line(
        self, amount_minor: int, currency: str, due: date, *, pending: bool = False
    ) -> Line:
        lang = self.ctx.lang
        text = self.ctx.t(
            "mobile.account.promise_line",
            amount=fmt.money(amount_minor, currency, lang),
            date=fmt.day(due, lang),
        )
        return Line(text, "", tag=self.ctx.t("mobile.status.pending") if pending else None)

    def _state_text(self, state: AccountState) -> str:
        return self.ctx.t(
            "mobile.conflict.state",
            status=self.ctx.t(f"mobile.account_status.{state.status.value}"),
            balance=fmt.money(state.balance_minor, state.currency, self.ctx.lang),
        )
