from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, Row, select, update
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.bulk import RowsUpdate, insert_rows
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import AccountStatus


def lock_account(session: Session, account_id: uuid.UUID) -> Account | None:
    """The account row, locked until commit on PostgreSQL (SQLite serialises writers anyway),
    read afresh: the balance the caller computes with is the committed one."""
    query = (
        select(Account)
        .where(Account.id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalars().first()


def lock_accounts(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Row[Any]]:
    """A page of accounts' columns the daily jobs need, locked in id order (so two jobs never
    deadlock) with FOR NO KEY UPDATE (inserts referencing them are not blocked), read afresh."""
    if not ids:
        return {}
    query = (
        select(
            Account.id,
            Account.portfolio_id,
            Account.balance_minor,
            Account.due_date,
            Account.status,
            Account.assigned_agent_id,
        )
        .where(col(Account.id).in_(ids))
        .order_by(col(Account.id))
        .with_for_update(key_share=True)
    )
    return {row.id: row for row in session.execute(query)}


def unreversed_by_keys(
    session: Session, account_ids: list[uuid.UUID], keys: list[str]
) -> list[LedgerEntry]:
    """Entries of the accounts posted under any of ``keys`` and not reversed, in one query."""
    if not keys:
        return []
    r = LedgerEntry.__table__.alias("r")
    query = select(LedgerEntry).where(
        col(LedgerEntry.account_id).in_(account_ids),
        col(LedgerEntry.idempotency_key).in_(keys),
        ~select(r.c.id).where(r.c.reverses_entry_id == LedgerEntry.id).exists(),
    )
    return list(session.execute(query).scalars())


def append_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert entries (plain values) in one multi-row INSERT."""
    if rows:
        insert_rows(session, LedgerEntry.__table__, rows)


_ADD_TO_BALANCES = RowsUpdate(
    Account.__table__,  # type: ignore[attr-defined]
    key="account",
    types={
        "account": Account.__table__.c.id.type,  # type: ignore[attr-defined]
        "delta": BigInteger(),
        "new_status": Account.__table__.c.status.type,  # type: ignore[attr-defined]
    },
    assign=lambda row: {
        "balance_minor": Account.__table__.c.balance_minor + row("delta"),  # type: ignore[attr-defined]
        "status": row("new_status"),
    },
)


def add_to_balances(session: Session, rows: list[dict[str, Any]]) -> None:
    """``add_to_balance`` for many accounts (``account``, ``delta``, ``new_status``) in one
    statement: atomic increments."""
    _ADD_TO_BALANCES(session, rows)


def by_key(session: Session, account_id: uuid.UUID, key: str) -> LedgerEntry | None:
    query = select(LedgerEntry).where(
        LedgerEntry.account_id == account_id, LedgerEntry.idempotency_key == key
    )
    return session.execute(query).scalars().first()


def reversal_of(session: Session, entry_id: uuid.UUID) -> LedgerEntry | None:
    query = select(LedgerEntry).where(LedgerEntry.reverses_entry_id == entry_id)
    return session.execute(query).scalars().first()


def add_to_balance(
    session: Session, account_id: uuid.UUID, delta: int, status: AccountStatus
) -> None:
    """Atomic increment (concurrent posts can never lose an update), with the status."""
    session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(balance_minor=Account.balance_minor + delta, status=status)
        .execution_options(synchronize_session=False)
    )


def entries(
    session: Session,
    account_id: uuid.UUID,
    *,
    after: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[LedgerEntry]:
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account_id)
        .order_by(col(LedgerEntry.id))
    )
    if after:
        query = query.where(LedgerEntry.id > after)
    if limit is not None:
        query = query.limit(limit + 1)
    return list(session.execute(query).scalars())


def newest(session: Session, account_id: uuid.UUID, limit: int) -> list[LedgerEntry]:
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account_id)
        .order_by(col(LedgerEntry.created_at).desc(), col(LedgerEntry.id).desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())
