"""The database itself refuses to change or remove ledger entries and audit events."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.ledger.models import LedgerEntry
from tests import builders as b

STATEMENTS = [
    "UPDATE ledger_entries SET amount_minor = 0 WHERE id = :ledger_id",
    "UPDATE ledger_entries SET description = 'edited' WHERE id = :ledger_id",
    "DELETE FROM ledger_entries WHERE id = :ledger_id",
    "UPDATE audit_events SET action = 'edited' WHERE id = :audit_id",
    "DELETE FROM audit_events WHERE id = :audit_id",
    "DELETE FROM audit_events",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_append_only_tables_refuse_update_and_delete(session: Session, statement: str) -> None:
    account = b.account(session, principal=5_000)
    entry = session.exec(select(LedgerEntry).where(LedgerEntry.account_id == account.id)).one()
    event = session.exec(select(AuditEvent).where(AuditEvent.account_id == account.id)).first()
    assert event is not None
    ids = {"ledger_id": entry.id, "audit_id": event.id}
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement), _bind(session, ids))
    session.refresh(entry)
    session.refresh(event)
    assert entry.amount_minor == 5_000 and entry.description is None
    assert event.action == "ledger.charge"


def _bind(session: Session, ids: dict[str, uuid.UUID]) -> dict[str, uuid.UUID | str]:
    """Raw SQL gets ids as the column type stores them (SQLite keeps UUIDs as 32 hex digits)."""
    if session.get_bind().dialect.name == "sqlite":
        return {key: value.hex for key, value in ids.items()}
    return dict(ids)


def test_inserting_is_still_allowed(session: Session) -> None:
    account = b.account(session, principal=1)
    with session.begin_nested():
        session.add(
            AuditEvent(action="test.insert", entity_type="account", entity_id=str(account.id))
        )
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "test.insert")).one()


def test_postgres_refuses_truncate(session: Session, db_kind: str) -> None:
    if db_kind != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite has none)")
    b.account(session, principal=5_000)
    for table in ("ledger_entries", "audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(f"TRUNCATE {table} CASCADE"))
    assert session.exec(select(LedgerEntry)).first() is not None


REPLACES = [
    # REPLACE deletes the conflicting row without firing DELETE triggers: refused on insert.
    "INSERT OR REPLACE INTO ledger_entries SELECT * FROM ledger_entries WHERE id = :ledger_id",
    "REPLACE INTO audit_events SELECT * FROM audit_events WHERE id = :audit_id",
    # Same idempotency key, new id: REPLACE would drop the first entry.
    "INSERT OR REPLACE INTO ledger_entries (id, account_id, kind, amount_minor, currency, "
    "effective_date, source, idempotency_key, created_at) SELECT :new_id, account_id, kind, 1, "
    "currency, effective_date, source, idempotency_key, created_at FROM ledger_entries "
    "WHERE id = :ledger_id",
]


@pytest.mark.parametrize("statement", REPLACES)
def test_sqlite_refuses_insert_or_replace(session: Session, db_kind: str, statement: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's")
    account = b.account(session, principal=5_000)
    entry = session.exec(select(LedgerEntry).where(LedgerEntry.account_id == account.id)).one()
    event = session.exec(select(AuditEvent).where(AuditEvent.account_id == account.id)).first()
    assert event is not None
    ids = {"ledger_id": entry.id, "audit_id": event.id, "new_id": uuid.uuid4()}
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement), _bind(session, ids))
    session.expire_all()
    assert session.get(LedgerEntry, entry.id) is not None
    assert session.get(AuditEvent, event.id) is not None
    assert session.get(LedgerEntry, ids["new_id"]) is None


MONEY_WRITES = [
    # PostgreSQL's BIGINT rounds 1.5 itself; SQLite would store a REAL without the check.
    "UPDATE accounts SET balance_minor = CAST('1.5' AS REAL) WHERE id = :account_id",
    "UPDATE accounts SET balance_minor = 9000000000000000000 + 9000000000000000000 "
    "WHERE id = :account_id",
    "UPDATE accounts SET balance_minor = 1000000000000001 WHERE id = :account_id",
    "UPDATE accounts SET principal_minor = -1000000000000001 WHERE id = :account_id",
    "UPDATE portfolios SET max_amount_minor = 1000000000000001",
    "INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, effective_date, "
    "source, idempotency_key, created_at) SELECT :new_id, account_id, kind, 2000000000000000, "
    "currency, effective_date, source, 'too-big', created_at FROM ledger_entries "
    "WHERE account_id = :account_id",
]


@pytest.mark.parametrize("statement", MONEY_WRITES)
def test_money_columns_hold_only_integers_in_range(
    session: Session, db_kind: str, statement: str
) -> None:
    if db_kind == "postgresql":
        statement = statement.replace("CAST('1.5' AS REAL)", "1.5::numeric * 10^20")
    account = b.account(session, principal=5_000)
    ids = {"account_id": account.id, "new_id": uuid.uuid4()}
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text(statement), _bind(session, ids))
    session.refresh(account)
    assert account.balance_minor == 5_000 and isinstance(account.balance_minor, int)
