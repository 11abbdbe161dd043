"""Two simultaneous accepts of one offer create one plan (real commits, PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.core.errors import Conflict
from backend.plans import service as plans
from backend.plans.models import Plan
from shared.schemas.enums import ActionChannel
from tests import builders as b
from tests.plans.helpers import lima

pytestmark = pytest.mark.postgres_only


def test_two_simultaneous_accepts_create_one_plan(committed_engine: Engine, db_kind: str) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL")
    with session_scope(committed_engine) as session:
        account = b.account(session, lima(session), principal=80_000)
        offer_ids = [
            o.id
            for o in plans.generate_offers(session, Actor.system(), account.id, ActionChannel.api)
        ]
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def accept() -> None:
        barrier.wait()
        try:
            with session_scope(committed_engine) as session:
                plans.accept(session, Actor.system(), offer_ids[1], ActionChannel.api)
            outcomes.append("plan")
        except Conflict as exc:
            outcomes.append(exc.message_key)

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["error.offer_already_accepted"] * 3 + ["plan"]
    with session_scope(committed_engine) as session:
        count = session.execute(
            select(func.count()).select_from(Plan).where(Plan.account_id == account.id)
        ).scalar_one()
    assert count == 1
