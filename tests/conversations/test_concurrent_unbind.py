"""Simultaneous sign-outs of one portal session end its binding once: one audit event
(real commits, PostgreSQL row locks)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.conversations import service
from backend.conversations.models import Conversation
from backend.core.clock import utcnow
from backend.core.db import session_scope
from tests import builders as b
from tests.plans.helpers import lima

pytestmark = pytest.mark.postgres_only


def test_simultaneous_unbinds_record_one_sign_out(committed_engine: Engine, db_kind: str) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL")
    with session_scope(committed_engine) as session:
        debtor = b.debtor(session, lima(session))
        row = Conversation(
            channel="portal",
            user_id="s-concurrent",
            debtor_ids=[str(debtor.id)],
            bound_until=utcnow() + timedelta(hours=24),
            bound_via="national_id",
        )
        session.add(row)
        session.flush()
        row_id = row.id
    chat = service.Chat("portal", "s-concurrent")
    barrier = threading.Barrier(4)
    answers: list[bool] = []

    def sign_out() -> None:
        barrier.wait()
        with session_scope(committed_engine) as session:
            answers.append(service.unbind(session, Actor.system(), chat).verified)

    threads = [threading.Thread(target=sign_out) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [False] * 4
    with session_scope(committed_engine) as session:
        events = session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "conversation.unbound", AuditEvent.entity_id == str(row_id))
        ).scalar_one()
        assert events == 1
        assert session.get(Conversation, row_id).bound_until is None
