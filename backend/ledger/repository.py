from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.actors import Actor
from backend.core.bulk import RowsUpdate, insert_rows
from backend.core.clock import utcnow
from backend.core.sqlbuild import among, new_id
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import AccountStatus, EntryKind


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


def lock_accounts(session: Session, ids: Select[Any]) -> None:
    """Lock the accounts ``ids`` selects (a page's, from a scratch table) until commit, in id
    order so two jobs never deadlock, FOR NO KEY UPDATE so inserts referencing them are not
    blocked. One statement; nothing comes back but a count. Statements after it see what
    the writers it waited for committed. (SQLite serialises writers anyway: just a count.)"""
    locked = (
        select(Account.id)
        .where(among(Account.id, ids))
        .order_by(col(Account.id))
        .with_for_update(key_share=True)
        .subquery("locked")
    )
    session.execute(select(func.count()).select_from(locked))


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


_ENTRY = LedgerEntry.__table__  # type: ignore[attr-defined]
_ACCOUNT = Account.__table__  # type: ignore[attr-defined]
# A view (migration 0029_ledger_postings), not a table of the models: inserting a row appends
# the entry and adds its amount to the account's balance, with the status and time the row gives.
_POSTINGS = Table(
    "ledger_postings",
    MetaData(),
    *(Column(column.name, column.type) for column in _ENTRY.columns),
    Column("account_status", _ACCOUNT.c.status.type),
    Column("moved_at", _ACCOUNT.c.updated_at.type),
)


def append_posting(session: Session, entry: LedgerEntry, status: AccountStatus) -> None:
    """Insert ``entry`` and add its amount to its account's balance (an atomic increment, as
    ``add_to_balance``), setting ``status``: one statement. ``entry`` (new) is then in the
    session as a persistent, unchanged row."""
    values = {column.name: getattr(entry, column.name) for column in _ENTRY.columns}
    session.execute(insert(_POSTINGS), {**values, "account_status": status, "moved_at": utcnow()})
    make_transient_to_detached(entry)
    session.add(entry)


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


def insert_reversals(
    session: Session,
    originals: Subquery,
    *,
    source: str,
    description: str,
    actor: Actor,
    at: datetime,
) -> None:
    """One ``INSERT ... SELECT`` of a reversal for each entry ``originals`` names (``id``,
    ``effective_date``): the negated amount, the original's key plus ``:reversal``."""
    table = LedgerEntry.__table__
    original = table.alias("original")
    values = select(
        new_id(),
        original.c.account_id,
        literal(EntryKind.reversal.value, table.c.kind.type),
        -original.c.amount_minor,
        original.c.currency,
        originals.c.effective_date,
        literal(source, table.c.source.type),
        original.c.idempotency_key + literal(":reversal", String()),
        original.c.id,
        literal(description, table.c.description.type),
        literal(actor.id if actor.kind == "user" else None, table.c.created_by_id.type),
        literal(at, table.c.created_at.type),
    ).join_from(originals, original, original.c.id == originals.c.id)
    values = values.where(among(original.c.id, select(originals.c.id)))
    names = [
        "id",
        "account_id",
        "kind",
        "amount_minor",
        "currency",
        "effective_date",
        "source",
        "idempotency_key",
        "reverses_entry_id",
        "description",
        "created_by_id",
        "created_at",
    ]
    session.execute(insert(table).from_select(names, values))


def reversals_of(originals: Subquery) -> Subquery:
    """The reversal entries of the entries ``originals`` names (``id``)."""
    table = LedgerEntry.__table__
    return (
        select(table)
        .join_from(originals, table, table.c.reverses_entry_id == originals.c.id)
        .where(among(table.c.reverses_entry_id, select(originals.c.id)))
        .subquery("reversals")
    )


def deltas_of(entries: Subquery) -> Subquery:
    """``account_id`` and ``delta``: the sum of ``entries`` per account."""
    return (
        select(entries.c.account_id, func.sum(entries.c.amount_minor).label("delta"))
        .group_by(entries.c.account_id)
        .subquery("deltas")
    )


def add_deltas(
    session: Session, deltas: Subquery, status_of: Callable[[Any, Any], ColumnElement[Any]]
) -> None:
    """Add each account's ``delta`` to its cached balance (atomic increments, one UPDATE),
    with the status ``status_of(new balance, status)`` gives."""
    account = Account.__table__
    balance = account.c.balance_minor + deltas.c.delta
    session.execute(
        update(account)
        .where(
            account.c.id == deltas.c.account_id,
            among(account.c.id, select(deltas.c.account_id)),
        )
        .values(balance_minor=balance, status=status_of(balance, account.c.status))
    )
