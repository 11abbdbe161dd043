"""Two workers receiving the same event at once produce one ledger entry (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.providers import builtin
from backend.payments.service import LinkRequest
from shared.schemas.enums import EntryKind, LinkPurpose
from tests import builders as b
from tests.plans.helpers import lima

pytestmark = pytest.mark.postgres_only


def test_same_event_on_four_workers_books_once(
    committed_engine: Engine, db_kind: str, builtin_provider
) -> None:
    if db_kind != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    with session_scope(committed_engine) as session:
        account = b.account(session, lima(session), principal=70_000)
        link, _ = payments.create_link(
            session, Actor.system(), account.id, LinkRequest(LinkPurpose.balance, "bot")
        )
        event = builtin.sandbox_completion_event(link)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def deliver() -> None:
        barrier.wait()
        with session_scope(committed_engine) as session:
            outcomes.append(payments.handle_event(session, builtin.NAME, event))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["duplicate"] * 3 + ["processed"]
    with session_scope(committed_engine) as session:
        payments_booked = session.execute(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.payment)
        ).scalar_one()
        assert payments_booked == 1
