"""Crash and replay: pushing the outbox again (whole, or after a timeout that left the first
half applied, or after a crash that rolled everything back) duplicates nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.core.db import session_scope
from backend.field import sync as field_sync
from backend.field.models import FieldNote, LocationPing, Visit
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment
from backend.promises.models import Promise
from shared.schemas.enums import EntryKind
from shared.schemas.field import SyncAction, SyncRequest
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima


def _batch(account) -> list[dict]:
    t0 = datetime.now(UTC) - timedelta(hours=1)
    return [
        h.visit(account, h.north(100), outcome="paid"),
        h.payment(account, "250.00", "R-100"),
        h.promise(account, "300.00"),
        h.action("note", {"text": "Dejó copia del voucher"}, account),
        h.pings((t0, h.START), (t0 + timedelta(minutes=1), h.north(50))),
    ]


def _counts(session: Session, account) -> dict[str, int]:
    def n(model, *where) -> int:
        query = select(func.count()).select_from(model).where(*where)
        return session.execute(query).scalar_one()

    return {
        "visits": n(Visit, Visit.account_id == account.id),
        "payments": n(Payment, Payment.account_id == account.id),
        "payment_entries": n(
            LedgerEntry, LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.payment
        ),
        "promises": n(Promise, Promise.account_id == account.id),
        "notes": n(FieldNote, FieldNote.account_id == account.id),
        "pings": n(LocationPing, LocationPing.agent_id == account.assigned_agent_id),
    }


ONCE = {"visits": 1, "payments": 1, "payment_entries": 1, "promises": 1, "notes": 1, "pings": 2}


def test_the_same_batch_twice_is_applied_once(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    batch = _batch(account)

    first = h.sync(client, agent, batch)
    again = h.sync(client, agent, batch, lang="es")

    assert [r["status"] for r in first["results"]] == ["applied"] * 5
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 5
    assert [r["original_status"] for r in again["results"]] == ["applied"] * 5
    assert [r["entity_id"] for r in again["results"]] == [r["entity_id"] for r in first["results"]]
    assert _counts(session, account) == ONCE
    session.refresh(account)
    assert account.balance_minor == 75_000


def test_replay_after_a_timeout_that_applied_the_first_half(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    batch = _batch(account)
    h.sync(client, agent, batch[:2])  # committed, but the answer never reached the phone

    body = h.sync(client, agent, batch)

    assert [r["status"] for r in body["results"]] == ["duplicate"] * 2 + ["applied"] * 3
    assert _counts(session, account) == ONCE


def test_a_crash_mid_request_rolls_back_and_the_replay_applies_once(
    session: Session, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    batch = _batch(account)

    def crash(*args, **kwargs):
        raise RuntimeError("server died after applying the actions")

    with monkeypatch.context() as patch:
        patch.setattr(field_sync, "pull", crash)
        response = client.post(
            "/api/v1/field/sync",
            json={"device_id": "phone-1", "actions": batch},
            headers=b.headers(agent),
        )
    assert response.status_code == 500
    assert _counts(session, account) == dict.fromkeys(ONCE, 0)

    body = h.sync(client, agent, batch)
    again = h.sync(client, agent, batch)

    assert [r["status"] for r in body["results"]] == ["applied"] * 5
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    assert _counts(session, account) == ONCE


def test_a_client_id_reused_for_another_action_is_rejected(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    note = h.action("note", {"text": "uno"}, account)
    h.sync(client, agent, [note])
    clash = h.visit(account, h.north(100))
    clash["client_id"] = note["client_id"]

    body = h.sync(client, agent, [clash])

    assert h.statuses(body) == [("rejected", "idempotency_conflict")]
    assert _counts(session, account)["visits"] == 0


def test_concurrent_replays_apply_once(committed_engine: Engine, db_kind: str) -> None:
    """Two pushes of the same outbox at once (the phone retried while the first was running):
    the second waits on the first's claim and answers duplicate."""
    if db_kind != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    with session_scope(committed_engine) as session:
        portfolio = lima(session)
        _, agent = h.team(session)
        account = h.located_account(session, portfolio, agent, h.north(100))
    request = SyncRequest(
        device_id="phone-1", actions=[SyncAction.model_validate(a) for a in _batch(account)]
    )
    barrier = threading.Barrier(3)
    answers: list[list[str]] = []

    def push() -> None:
        barrier.wait()
        with session_scope(committed_engine) as session:
            response = field_sync.sync(session, agent, request, "es")
        answers.append([r.status.value for r in response.results])

    threads = [threading.Thread(target=push) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answers) == [["applied"] * 5] + [["duplicate"] * 5] * 2
    with session_scope(committed_engine) as session:
        assert _counts(session, account) == ONCE
