"""Concurrent posts to one account, each in its own committed transaction (PostgreSQL).

The account row lock serialises posts, so the cached balance never loses an update, and
concurrent replays of one idempotency key write one entry.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.core.db import session_scope
from backend.core.errors import Conflict
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import EntryKind
from tests import builders as b

THREADS = 8
POSTS_PER_THREAD = 25
PRINCIPAL = 1_000_000
DAY = date(2026, 1, 15)

T = TypeVar("T")

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def pg_engine(db_kind: str, committed_engine: Engine) -> Engine:
    if db_kind != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    return committed_engine


def committed_account(engine: Engine) -> uuid.UUID:
    with session_scope(engine) as session:
        return b.account(session, principal=PRINCIPAL).id


def in_threads(task: Callable[[int], T], count: int) -> list[T]:
    """Run ``task(i)`` in ``count`` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T:
        barrier.wait()
        return task(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def totals(engine: Engine, account_id: uuid.UUID) -> tuple[int, int, int]:
    """(cached balance, sum of entries, number of entries)."""
    with session_scope(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        where = LedgerEntry.account_id == account_id
        total = session.execute(select(func.sum(LedgerEntry.amount_minor)).where(where))
        count = session.execute(select(func.count()).select_from(LedgerEntry).where(where))
        return account.balance_minor, int(total.scalar_one()), int(count.scalar_one())


def test_concurrent_posts_keep_the_balance_exact(pg_engine: Engine) -> None:
    account_id = committed_account(pg_engine)

    def amount(thread: int, n: int) -> tuple[EntryKind, int]:
        kind = EntryKind.payment if (thread + n) % 3 else EntryKind.charge
        return kind, 100 + thread * 31 + n * 7

    def worker(thread: int) -> None:
        for n in range(POSTS_PER_THREAD):
            kind, minor = amount(thread, n)
            with session_scope(pg_engine) as session:
                ledger.post(
                    session,
                    b.SYSTEM,
                    account_id,
                    kind=kind,
                    amount_minor=minor,
                    currency="PEN",
                    effective_date=DAY,
                    source="test",
                    idempotency_key=f"t{thread}-{n}",
                )

    in_threads(worker, THREADS)
    expected = PRINCIPAL
    for thread in range(THREADS):
        for n in range(POSTS_PER_THREAD):
            kind, minor = amount(thread, n)
            expected += -minor if kind == EntryKind.payment else minor
    assert totals(pg_engine, account_id) == (expected, expected, 1 + THREADS * POSTS_PER_THREAD)


def test_concurrent_replays_of_one_key_write_one_entry(pg_engine: Engine) -> None:
    account_id = committed_account(pg_engine)

    def worker(_: int) -> tuple[uuid.UUID, bool]:
        with session_scope(pg_engine) as session:
            posted = ledger.post(
                session,
                b.SYSTEM,
                account_id,
                kind=EntryKind.payment,
                amount_minor=25_000,
                currency="PEN",
                effective_date=DAY,
                source="test",
                idempotency_key="the-same-payment",
            )
            return posted.entry.id, posted.created

    results = in_threads(worker, THREADS)
    assert len({entry_id for entry_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    expected = PRINCIPAL - 25_000
    assert totals(pg_engine, account_id) == (expected, expected, 2)
    with session_scope(pg_engine) as session:
        events = session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.account_id == account_id, AuditEvent.action == "ledger.payment")
        )
        assert events.scalar_one() == 1


def test_concurrent_reversals_of_one_entry_reverse_it_once(pg_engine: Engine) -> None:
    account_id = committed_account(pg_engine)
    with session_scope(pg_engine) as session:
        payment = ledger.post(
            session,
            b.SYSTEM,
            account_id,
            kind=EntryKind.payment,
            amount_minor=40_000,
            currency="PEN",
            effective_date=DAY,
            source="test",
            idempotency_key="pay",
        ).entry.id

    def worker(i: int) -> str:
        try:
            with session_scope(pg_engine) as session:
                ledger.reverse(
                    session, b.SYSTEM, payment, idempotency_key=f"undo-{i}", source="test"
                )
        except Conflict:
            return "conflict"
        return "reversed"

    outcomes = in_threads(worker, THREADS)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["reversed"]
    assert totals(pg_engine, account_id) == (PRINCIPAL, PRINCIPAL, 3)
