"""A posting (``ledger.repository.append_posting``, migration 0029_ledger_postings) writes an
entry and its account's balance in one statement, on both databases: both or neither."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.ledger import repository
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import AccountStatus, EntryKind
from tests import builders as b
from tests.payments.test_booking_statements import counted


def _entry(account: Account, amount: int, key: str) -> LedgerEntry:
    return LedgerEntry(
        account_id=account.id,
        kind=EntryKind.payment,
        amount_minor=amount,
        currency=account.currency,
        effective_date=date(2026, 3, 10),
        source="test",
        idempotency_key=key,
    )


def _state(session: Session, account: Account) -> tuple[int, str, int]:
    """The balance, status and entry count in the database (columns: not the session's)."""
    moved = select(Account.balance_minor, Account.status).where(Account.id == account.id)
    balance, status = session.execute(moved).one()
    entries = select(func.count()).where(LedgerEntry.account_id == account.id)
    return balance, status.value, session.exec(entries).one()


def test_a_posting_appends_the_entry_and_moves_the_balance(session: Session) -> None:
    account = b.account(session, principal=5_000)
    entry = _entry(account, -5_000, "pay-1")

    with counted(session) as statements:
        repository.append_posting(session, entry, AccountStatus.paid)

    assert len(statements) == 1
    assert _state(session, account) == (0, "paid", 2)
    assert session.get(LedgerEntry, entry.id) is entry  # in the session, as written
    session.flush()
    assert len(statements) == 1  # nothing left to write


def test_a_posting_that_fails_moves_no_balance(session: Session) -> None:
    account = b.account(session, principal=5_000)
    repository.append_posting(session, _entry(account, -1_000, "pay-1"), AccountStatus.active)

    with pytest.raises(IntegrityError), session.begin_nested():
        repository.append_posting(session, _entry(account, -2_000, "pay-1"), AccountStatus.active)

    assert _state(session, account) == (4_000, "active", 2)
