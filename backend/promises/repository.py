from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Row, case, func, or_, select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.bulk import RowsUpdate
from backend.core.dates import add_days
from backend.core.pagination import keyset
from backend.core.sums import exact_sum, joined
from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.promises.models import Promise
from shared.schemas.enums import EntryKind, PromiseStatus


def open_for_account(session: Session, account_id: uuid.UUID) -> Promise | None:
    query = select(Promise).where(
        Promise.account_id == account_id, Promise.status == PromiseStatus.open
    )
    return session.execute(query).scalars().first()


def by_client_id(session: Session, client_id: str) -> Promise | None:
    return session.execute(select(Promise).where(Promise.client_id == client_id)).scalars().first()


def page(
    session: Session, *, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Promise]:
    query = select(Promise).where(Promise.account_id == account_id)
    return keyset(session, query, Promise.id, after, limit)


def kpi_rows(
    session: Session,
    portfolio_id: uuid.UUID | None,
    date_from: date | None,
    date_to: date | None,
) -> list[tuple[str, PromiseStatus, int, int, int]]:
    """(currency, status, count, amount promised, amount received) grouped."""
    query = (
        select(
            Promise.currency,
            Promise.status,
            func.count(),
            *exact_sum(Promise.amount_minor),
            *exact_sum(Promise.paid_minor),
        )
        .join(Account, Account.id == Promise.account_id)
        .group_by(Promise.currency, Promise.status)
    )
    if portfolio_id:
        query = query.where(Account.portfolio_id == portfolio_id)
    if date_from:
        query = query.where(Promise.created_at >= datetime.combine(date_from, time(), UTC))
    if date_to:
        query = query.where(
            Promise.created_at < datetime.combine(date_to + timedelta(days=1), time(), UTC)
        )
    return [
        (c, PromiseStatus(s), int(n), joined(a_high, a_low), joined(p_high, p_low))
        for c, s, n, a_high, a_low, p_high, p_low in session.execute(query)
    ]


def judgeable_page(
    session: Session,
    *,
    cutoffs: dict[uuid.UUID, date],
    otherwise: date,
    after: uuid.UUID | None,
    limit: int,
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(promise, account) of the open promises the daily check may resolve, in id order: due
    before their portfolio's cutoff (its today minus the smallest grace its policy gives;
    ``otherwise`` for portfolios not listed), or on an account that received a payment on or
    after the promise's day (two days before its UTC creation day covers every timezone)."""
    cutoff = case(cutoffs, value=Account.portfolio_id, else_=otherwise) if cutoffs else otherwise
    paid_since = (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.account_id == Promise.account_id,
            LedgerEntry.kind == EntryKind.payment,
            LedgerEntry.effective_date >= add_days(Promise.created_at, -2),
        )
        .exists()
    )
    query = (
        select(Promise.id, Promise.account_id)
        .join(Account, Account.id == Promise.account_id)
        .where(Promise.status == PromiseStatus.open, or_(Promise.due_date < cutoff, paid_since))
        .order_by(col(Promise.id))
        .limit(limit)
    )
    if after:
        query = query.where(Promise.id > after)
    return [(promise_id, account_id) for promise_id, account_id in session.execute(query)]


def open_rows(session: Session, ids: list[uuid.UUID]) -> list[Row[Any]]:
    """The columns the check reads of those of ``ids`` still open, in id order."""
    query = (
        select(
            Promise.id,
            Promise.account_id,
            Promise.amount_minor,
            Promise.due_date,
            Promise.created_at,
        )
        .where(col(Promise.id).in_(ids), Promise.status == PromiseStatus.open)
        .order_by(col(Promise.id))
    )
    return list(session.execute(query))


def received_by_day(
    session: Session, account_ids: list[uuid.UUID], since: date
) -> dict[uuid.UUID, list[tuple[date, int]]]:
    """Money received per account and effective day since a day (payments net of their
    reversals, positive for money in), for a page of accounts in one grouped query."""
    if not account_ids:
        return {}
    payment_ids = select(LedgerEntry.id).where(
        col(LedgerEntry.account_id).in_(account_ids), LedgerEntry.kind == EntryKind.payment
    )
    query = (
        select(
            LedgerEntry.account_id, LedgerEntry.effective_date, func.sum(LedgerEntry.amount_minor)
        )
        .where(
            col(LedgerEntry.account_id).in_(account_ids),
            LedgerEntry.effective_date >= since,
            (LedgerEntry.kind == EntryKind.payment)
            | (col(LedgerEntry.reverses_entry_id).in_(payment_ids)),
        )
        .group_by(LedgerEntry.account_id, LedgerEntry.effective_date)
    )
    received: dict[uuid.UUID, list[tuple[date, int]]] = {}
    for account_id, day, amount in session.execute(query):
        received.setdefault(account_id, []).append((day, -int(amount)))
    return received


_RESOLVE = RowsUpdate(
    Promise.__table__,  # type: ignore[attr-defined]
    key="promise",
    types={
        "promise": Promise.__table__.c.id.type,  # type: ignore[attr-defined]
        "new_status": Promise.__table__.c.status.type,  # type: ignore[attr-defined]
        "paid": BigInteger(),
        "at": Promise.__table__.c.resolved_at.type,  # type: ignore[attr-defined]
    },
    assign=lambda row: {
        "status": row("new_status"),
        "paid_minor": row("paid"),
        "resolved_at": row("at"),
    },
    where=lambda _: [Promise.__table__.c.status == PromiseStatus.open],  # type: ignore[attr-defined]
)


def resolve_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Resolve open promises (``promise``, ``new_status``, ``paid``, ``at``) in one
    statement; a promise no longer open is left alone."""
    _RESOLVE(session, rows)


def count_open(session: Session) -> int:
    query = select(func.count()).select_from(Promise).where(Promise.status == PromiseStatus.open)
    return int(session.execute(query).scalar_one())


def portfolios(session: Session) -> dict[uuid.UUID, Portfolio]:
    """Every portfolio (their timezones and policies), in one query."""
    return {p.id: p for p in session.execute(select(Portfolio)).scalars()}
