from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import AccountStatus

CHUNK = 2000  # rows per multi-row INSERT


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


def insert_entries(session: Session, entries: list[dict[str, Any]]) -> None:
    """New entries (rows with every column) in bulk, outside the ORM's unit of work."""
    table = LedgerEntry.__table__  # type: ignore[attr-defined]
    for start in range(0, len(entries), CHUNK):
        session.execute(insert(table), entries[start : start + CHUNK])


def add_to_balances(session: Session, moves: dict[uuid.UUID, tuple[int, AccountStatus]]) -> None:
    """``add_to_balance`` for many accounts: one batched UPDATE (account id -> delta, status)."""
    if not moves:
        return
    table = Account.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("account_id"))
        .values(
            balance_minor=table.c.balance_minor + bindparam("delta"),
            status=bindparam("new_status", type_=table.c.status.type),
        )
    )
    session.execute(
        statement,
        [
            {"account_id": account_id, "delta": delta, "new_status": status}
            for account_id, (delta, status) in moves.items()
        ],
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
