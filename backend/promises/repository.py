from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.sums import exact_sum, joined
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


def open_page(session: Session, after: uuid.UUID | None, limit: int) -> list[Promise]:
    """Open promises in id order, a chunk at a time."""
    query = (
        select(Promise)
        .where(Promise.status == PromiseStatus.open)
        .order_by(col(Promise.id))
        .limit(limit)
    )
    if after:
        query = query.where(Promise.id > after)
    return list(session.execute(query).scalars())


def accounts(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Account]:
    rows = session.execute(select(Account).where(col(Account.id).in_(ids))).scalars()
    return {a.id: a for a in rows}


def page(
    session: Session, *, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Promise]:
    query = select(Promise).where(Promise.account_id == account_id).order_by(col(Promise.id))
    if after:
        query = query.where(Promise.id > after)
    return list(session.execute(query.limit(limit + 1)).scalars())


def payment_rows(
    session: Session, account_ids: list[uuid.UUID], since: date
) -> list[tuple[uuid.UUID, date, int]]:
    """(account, effective date, amount received) of payments and their reversals since a day,
    for a chunk of accounts in one query. Amounts are positive for money in."""
    payment_ids = select(LedgerEntry.id).where(
        col(LedgerEntry.account_id).in_(account_ids), LedgerEntry.kind == EntryKind.payment
    )
    query = select(
        LedgerEntry.account_id, LedgerEntry.effective_date, LedgerEntry.amount_minor
    ).where(
        col(LedgerEntry.account_id).in_(account_ids),
        LedgerEntry.effective_date >= since,
        (LedgerEntry.kind == EntryKind.payment)
        | (col(LedgerEntry.reverses_entry_id).in_(payment_ids)),
    )
    return [(a, d, -amount) for a, d, amount in session.execute(query)]


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
