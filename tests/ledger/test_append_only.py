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
