"""WhatsApp delivery statuses of reminders, end to end: Meta's signed webhook body posted to the
bots' webhook, read there, relayed through the typed client to ``/api/v1/outbound/deliveries``
(role ``bot``) and applied by ``backend.outbound.deliveries``, as Twilio's callbacks are:
forward only, a failure moves the step on to its next channel, a replay changes nothing, and
the same status delivered several times at once applies once. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.app import create_app
from backend.audit.models import AuditEvent
from backend.contact.models import ContactAttempt
from backend.conversations.service import ensure_bot_identity
from backend.core.db import session_scope
from backend.outbound import repository as outbound_repository
from bots.app import include_webhooks
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Channel
from tests.channels.conftest import run, settings, sign, wa_status
from tests.channels.test_end_to_end import real_bots
from tests.live import serve
from tests.outbound.test_sending import _seed

WAMID = "wamid.REMINDER1"


@pytest.fixture
def bot_token(session: Session) -> str:
    return ensure_bot_identity(session)


def _sent_by_whatsapp(session: Session) -> ContactAttempt:
    """A reminder sent on WhatsApp (SMS next in its step), as the sender leaves it."""
    _seed(session, channels=("whatsapp", "sms"))
    attempt = session.execute(select(ContactAttempt)).scalar_one()
    attempt.status, attempt.provider_ref = AttemptStatus.sent, WAMID
    session.add(attempt)
    session.flush()
    return attempt


def _events(session: Session, attempt: ContactAttempt, action: str) -> int:
    query = select(func.count()).where(
        AuditEvent.entity_id == str(attempt.id), AuditEvent.action == action
    )
    return session.execute(query).scalar_one()


def _attempts(session: Session) -> list[ContactAttempt]:
    query = select(ContactAttempt).order_by(ContactAttempt.created_at)
    return list(session.execute(query).scalars())


def test_signed_statuses_move_the_reminder_to_delivered_then_read(
    app: Any, bot_token: str, session: Session
) -> None:
    attempt = _sent_by_whatsapp(session)

    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            delivered = wa_status("delivered", wamid=WAMID, key=attempt.key)
            assert (await bots.whatsapp(delivered)).status_code == 200
            session.refresh(attempt)
            assert attempt.status == AttemptStatus.delivered
            assert (await bots.whatsapp(wa_status("read", wamid=WAMID))).status_code == 200
            session.refresh(attempt)
            assert attempt.status == AttemptStatus.read

    run(scenario())
    assert _events(session, attempt, "contact.delivered") == 1
    assert _events(session, attempt, "contact.read") == 1


def test_a_status_matched_by_the_echoed_key_when_the_send_answer_was_lost(
    app: Any, bot_token: str, session: Session
) -> None:
    attempt = _sent_by_whatsapp(session)
    attempt.provider_ref = None  # the worker died before recording Meta's answer
    session.add(attempt)
    session.flush()

    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            delivered = wa_status("delivered", wamid=WAMID, key=attempt.key)
            assert (await bots.whatsapp(delivered)).status_code == 200

    run(scenario())
    session.refresh(attempt)
    assert (attempt.status, attempt.provider_ref) == (AttemptStatus.delivered, WAMID)


def test_a_failed_status_moves_the_step_on_to_sms(
    app: Any, bot_token: str, session: Session
) -> None:
    attempt = _sent_by_whatsapp(session)

    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            failed = wa_status("failed", wamid=WAMID, code=131026)
            assert (await bots.whatsapp(failed)).status_code == 200
            assert (await bots.whatsapp(failed)).status_code == 200  # Meta retried it

    run(scenario())
    session.refresh(attempt)
    assert (attempt.status, attempt.rule) == (AttemptStatus.failed, "undelivered")
    assert attempt.outcome == "whatsapp 131026: ..."  # the error Meta gave
    [_, fallback] = _attempts(session)
    assert (fallback.channel, fallback.status) == (Channel.sms, AttemptStatus.planned)
    assert (fallback.key, fallback.step) == (f"{attempt.key}|sms", attempt.step)
    assert _events(session, attempt, "contact.failed") == 1


def test_replayed_and_late_statuses_change_nothing(
    app: Any, bot_token: str, session: Session
) -> None:
    attempt = _sent_by_whatsapp(session)

    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            assert (await bots.whatsapp(wa_status("read", wamid=WAMID))).status_code == 200
            events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
            for late in ("read", "delivered", "sent", "read"):  # replays, out of order
                assert (await bots.whatsapp(wa_status(late, wamid=WAMID))).status_code == 200
            after = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
            assert after == events

    run(scenario())
    session.refresh(attempt)
    assert attempt.status == AttemptStatus.read
    assert len(_attempts(session)) == 1


def test_statuses_of_messages_that_are_no_reminder_are_ignored(
    app: Any, bot_token: str, session: Session
) -> None:
    attempt = _sent_by_whatsapp(session)

    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:  # a status of a bot reply
            assert (await bots.whatsapp(wa_status("failed", code=131047))).status_code == 200

    run(scenario())
    session.refresh(attempt)
    assert attempt.status == AttemptStatus.sent and len(_attempts(session)) == 1


def test_the_relay_endpoint_is_for_bots_only(client, session: Session) -> None:
    from backend.users.models import User
    from shared.schemas.enums import Role
    from tests import builders as b

    admin: User = b.user(session, Role.admin)
    body = {"reports": [{"message_id": WAMID, "status": "read", "at": "2026-12-10T15:00:00Z"}]}
    refused = client.post("/api/v1/outbound/deliveries", json=body, headers=b.headers(admin))
    assert refused.status_code == 403
    assert client.post("/api/v1/outbound/deliveries", json=body).status_code == 401


WORKERS = 4


def test_the_same_status_at_once_from_several_deliveries_applies_once(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Meta delivers one signed body several times at once (a retry racing the first try):
    the real server with the webhooks mounted, as ``backend.main`` serves them."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    with session_scope(committed_engine) as session:
        attempt_id, key = (a := _sent_by_whatsapp(session)).id, a.key
        token = ensure_bot_identity(session)
    find = outbound_repository.attempt_for_delivery

    def slow_find(*args: Any) -> ContactAttempt | None:
        found = find(*args)
        time.sleep(0.2)  # every delivery has read the reminder before any has written it
        return found

    monkeypatch.setattr(outbound_repository, "attempt_for_delivery", slow_find)
    api = create_app()
    include_webhooks(api, lambda: token, settings())

    def at_once(url: str, body: bytes) -> list[int]:
        barrier = threading.Barrier(WORKERS)
        answers: list[int] = []

        def deliver() -> None:
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
            barrier.wait()
            answers.append(httpx.post(url, content=body, headers=headers, timeout=60).status_code)

        threads = [threading.Thread(target=deliver) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        return answers

    with serve(api) as base:
        url = f"{base}/webhooks/whatsapp"
        delivered = at_once(url, wa_status("delivered", wamid=WAMID, key=key))
        failed = at_once(url, wa_status("failed", wamid=WAMID, code=131026))

    assert delivered == [200] * WORKERS and failed == [200] * WORKERS
    with session_scope(committed_engine) as session:
        attempt = session.get(ContactAttempt, attempt_id)
        assert attempt is not None and attempt.status == AttemptStatus.failed
        assert _events(session, attempt, "contact.delivered") == 1
        assert _events(session, attempt, "contact.failed") == 1
        fallbacks = [a for a in _attempts(session) if a.id != attempt_id]
        assert [(a.channel, a.key) for a in fallbacks] == [(Channel.sms, f"{key}|sms")]
