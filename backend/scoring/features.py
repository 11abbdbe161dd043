"""The history an account had on a cutoff date, as model features, read set-based: one query
per creditor with a correlated aggregate per feature, whatever the number of accounts.

Features (no protected attribute: nothing of a person's sex, age, birth place, nationality,
name or identity document is read; region and product are the only categories):

- ``days_past_due`` on the cutoff, and ``log_balance`` (the balance then, from the ledger);
- ``payments_90d``, ``payment_rate`` (payments in the last 180 days per month the account
  was past due in them: the habit, fair to young debts) and ``days_since_payment`` (capped at
  a year);
- ``promises_kept`` / ``promises_broken`` (promises resolved before the cutoff: one due just
  before it may be judged only days after, on payments the cutoff does not know of);
- ``contacts_90d`` (contacts that happened: sent, delivered, read, done) and ``replies_90d``
  (read, or answered in person or by phone), ``visits_90d``;
- ``product``, ``region`` (the debtor's primary address), ``channel`` (their preferred one).

The label of a training row: a payment with an effective date in the 30 days after the cutoff.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.contact.models import ContactAttempt
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorAddress
from backend.field.models import Visit
from backend.ledger.models import LedgerEntry
from backend.promises.models import Promise
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import EntryKind, PromiseStatus

NUMERIC = (
    "days_past_due",
    "log_balance",
    "payments_90d",
    "payment_rate",
    "days_since_payment",
    "promises_kept",
    "promises_broken",
    "contacts_90d",
    "replies_90d",
    "visits_90d",
)
CATEGORICAL = ("product", "region", "channel")
WINDOW = timedelta(days=90)
RATE_WINDOW = timedelta(days=180)
HORIZON = timedelta(days=30)
NO_PAYMENT_DAYS = 365
HAPPENED = (AttemptStatus.sent, AttemptStatus.delivered, AttemptStatus.read, AttemptStatus.done)
REPLIED = (AttemptStatus.read, AttemptStatus.done)
KEPT = (PromiseStatus.kept, PromiseStatus.partially_kept)


@dataclass(frozen=True, slots=True)
class Row:
    account_id: uuid.UUID
    numeric: dict[str, float]
    categories: dict[str, str]
    paid: bool  # within HORIZON after the cutoff (training rows only)


def rows(session: Session, creditor_id: uuid.UUID, cutoff: date) -> list[Row]:
    """Every account of the creditor that owed something on ``cutoff``, with its features."""
    start = datetime.combine(cutoff, time(), tzinfo=UTC)
    since = cutoff - WINDOW

    def ledger(*conditions: ColumnElement[bool]):  # type: ignore[no-untyped-def]
        return select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.account_id == Account.id, *conditions
        )

    def count(model, *conditions: ColumnElement[bool]):  # type: ignore[no-untyped-def]
        return select(func.count()).select_from(model).where(*conditions).scalar_subquery()

    balance = ledger(LedgerEntry.effective_date <= cutoff).scalar_subquery()
    payment = and_(LedgerEntry.account_id == Account.id, LedgerEntry.kind == EntryKind.payment)
    contact = and_(
        ContactAttempt.account_id == Account.id,
        ContactAttempt.at < start,
        ContactAttempt.at >= start - WINDOW,
    )
    promise_known = and_(Promise.account_id == Account.id, col(Promise.resolved_at) < start)
    primary = (
        select(DebtorAddress.region)
        .where(DebtorAddress.debtor_id == Account.debtor_id)
        .order_by(col(DebtorAddress.position), col(DebtorAddress.id))
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            Account.id,
            Account.due_date,
            Account.product,
            Debtor.preferred_channel,
            primary,
            balance,
            count(
                LedgerEntry,
                payment,
                LedgerEntry.effective_date <= cutoff,
                LedgerEntry.effective_date > since,
            ),
            count(
                LedgerEntry,
                payment,
                LedgerEntry.effective_date <= cutoff,
                LedgerEntry.effective_date > cutoff - RATE_WINDOW,
            ),
            select(func.max(LedgerEntry.effective_date))
            .where(payment, LedgerEntry.effective_date <= cutoff)
            .scalar_subquery(),
            count(Promise, promise_known, col(Promise.status).in_(KEPT)),
            count(Promise, promise_known, Promise.status == PromiseStatus.broken),
            count(ContactAttempt, contact, col(ContactAttempt.status).in_(HAPPENED)),
            count(ContactAttempt, contact, col(ContactAttempt.status).in_(REPLIED)),
            count(
                Visit,
                Visit.account_id == Account.id,
                Visit.checked_in_at < start,
                Visit.checked_in_at >= start - WINDOW,
            ),
            count(
                LedgerEntry,
                payment,
                LedgerEntry.effective_date > cutoff,
                LedgerEntry.effective_date <= cutoff + HORIZON,
            ),
        )
        .join(Portfolio, Portfolio.id == Account.portfolio_id)
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(Portfolio.creditor_id == creditor_id, balance > 0)
        .order_by(col(Account.id))
    )
    found = []
    for (
        account_id,
        due,
        product,
        channel,
        region,
        owed,
        payments,
        payments_180,
        last_paid,
        kept,
        broken,
        contacts,
        replies,
        visits,
        paid_after,
    ) in session.execute(query):
        late = max(0, (cutoff - due).days)
        months = max(1.0, min(RATE_WINDOW.days, late) / 30)
        found.append(
            Row(
                account_id=account_id,
                numeric={
                    "days_past_due": float(late),
                    "log_balance": math.log1p(max(0, int(owed))),
                    "payments_90d": float(payments),
                    "payment_rate": payments_180 / months,
                    "days_since_payment": float(
                        min(NO_PAYMENT_DAYS, (cutoff - _day(last_paid)).days)
                        if last_paid is not None
                        else NO_PAYMENT_DAYS
                    ),
                    "promises_kept": float(kept),
                    "promises_broken": float(broken),
                    "contacts_90d": float(contacts),
                    "replies_90d": float(replies),
                    "visits_90d": float(visits),
                },
                categories={
                    "product": product or "",
                    "region": region or "",
                    "channel": str(getattr(channel, "value", channel) or ""),
                },
                paid=paid_after > 0,
            )
        )
    return found


def _day(value: date | str) -> date:
    """SQLite's MAX of a date column comes back as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
