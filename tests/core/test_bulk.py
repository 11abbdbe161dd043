"""Bulk writes (``backend.core.bulk``): rows inserted in bulk (COPY on PostgreSQL from
``COPY_FROM`` rows, a multi-row INSERT below) read back as the ORM writes them, a broken row
fails the way an INSERT does (so a unit of work can retry a conflict), cursor listeners see the
statement, and ``RowsUpdate`` changes exactly the rows it names."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import BigInteger, event, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.core.bulk import COPY_FROM, RowsUpdate, insert_rows
from backend.core.ids import uuid7
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import AccountStatus, EntryKind
from tests import builders as b
from tests.plans.helpers import lima

EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
ENTRIES = LedgerEntry.__table__  # type: ignore[attr-defined]


def _entries(account_id: uuid.UUID, count: int, tag: str) -> list[dict]:
    return [
        {
            "id": uuid7(),
            "account_id": account_id,
            "kind": EntryKind.payment,
            "amount_minor": -100 - i,
            "currency": "PEN",
            "effective_date": date(2026, 3, 1),
            "source": "bulk",
            "idempotency_key": f"{tag}:{i}",
            "reverses_entry_id": None,
            "description": None if i % 2 else "ñandú 'quoted' \\ tab\there",
            "created_by_id": None,
            "created_at": datetime(2026, 3, 1, 12, 30, i, tzinfo=UTC),
        }
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [3, COPY_FROM + 5])
def test_bulk_rows_read_back_as_the_orm_writes_them(session: Session, count: int) -> None:
    account = b.account(session, lima(session), principal=90_000)
    rows = _entries(account.id, count, f"orm-{count}")
    events = [
        {
            "id": uuid7(),
            "at": datetime(2026, 3, 1, tzinfo=UTC),
            "actor_id": None,
            "actor_kind": "system",
            "action": "bulk.test",
            "entity_type": "ledger_entry",
            "entity_id": str(row["id"]),
            "account_id": account.id,
            "before": None,
            "after": {"amount": row["amount_minor"], "nested": {"list": [1, "dos"]}},
        }
        for row in rows
    ]

    insert_rows(session, ENTRIES, rows)
    insert_rows(session, EVENTS, events)

    session.expire_all()
    stored = session.execute(
        select(LedgerEntry).where(
            LedgerEntry.account_id == account.id, LedgerEntry.source == "bulk"
        )
    ).scalars()
    by_id = {entry.id: entry for entry in stored}
    for row in rows:
        entry = by_id[row["id"]]
        assert {k: getattr(entry, k) for k in row} == row
        assert entry.kind is EntryKind.payment
    audit = {
        e.entity_id: e
        for e in session.execute(select(AuditEvent).where(AuditEvent.action == "bulk.test"))
        .scalars()
        .all()
    }
    for row in events:
        stored_event = audit[row["entity_id"]]
        assert (stored_event.before, stored_event.after, stored_event.at) == (
            None,
            row["after"],
            row["at"],
        )


@pytest.mark.parametrize("count", [3, COPY_FROM + 5])
def test_a_row_that_breaks_a_constraint_fails_as_an_insert(session: Session, count: int) -> None:
    account = b.account(session, lima(session), principal=90_000)
    rows = _entries(account.id, count, f"dup-{count}")
    rows[-1]["idempotency_key"] = rows[0]["idempotency_key"]  # unique per account

    with pytest.raises(IntegrityError), session.begin_nested():
        insert_rows(session, ENTRIES, rows)


def test_cursor_listeners_see_a_bulk_insert(session: Session) -> None:
    account = b.account(session, lima(session), principal=90_000)
    session.flush()
    seen: list[str] = []
    engine = session.get_bind().engine

    def listen(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        insert_rows(session, ENTRIES, _entries(account.id, COPY_FROM + 5, "seen"))
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert len(seen) == 1 and "ledger_entries" in seen[0]


ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
_BUMP = RowsUpdate(
    ACCOUNTS,
    key="account",
    types={"account": ACCOUNTS.c.id.type, "by": BigInteger()},
    assign=lambda row: {
        "balance_minor": ACCOUNTS.c.balance_minor + row("by"),
        "product": row("product"),
    },
    where=lambda _: [ACCOUNTS.c.status == AccountStatus.active],
    scalars={"product": ACCOUNTS.c.product.type},
)


def test_rows_update_changes_the_rows_it_names(session: Session) -> None:
    portfolio = lima(session)
    accounts = [b.account(session, portfolio, principal=10_000) for _ in range(4)]
    accounts[2].status = AccountStatus.disputed  # left alone by the WHERE
    session.add(accounts[2])
    session.flush()
    ids = [account.id for account in accounts]

    _BUMP(session, [{"account": ids[i], "by": 5 + i} for i in (0, 2, 3)], product="Bulk")
    _BUMP(session, [], product="never")  # nothing to do: no statement

    session.expire_all()
    stored = {
        a.id: (a.balance_minor, a.product)
        for a in session.execute(select(Account).where(Account.id.in_(ids))).scalars()
    }
    assert [stored[i][0] for i in ids] == [10_005, 10_000, 10_000, 10_008]
    assert [stored[i][1] == "Bulk" for i in ids] == [True, False, False, True]
