"""Twilio's signed status callbacks move a reminder forward (sent, delivered, read), fail it
over to the step's next channel, refuse forgeries, and change nothing when heard twice."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from twilio.request_validator import RequestValidator

from backend.audit.models import AuditEvent
from backend.contact.models import ContactAttempt
from backend.core.config import get_settings
from backend.outbound.channels.sms import STATUS_CALLBACK_PATH
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Channel
from tests.outbound.test_sending import _seed

TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://cobro.example.com"


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COBRO_TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("COBRO_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("COBRO_TWILIO_FROM", "+15005550006")
    monkeypatch.setenv("COBRO_PUBLIC_URL", PUBLIC)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _sent(session: Session) -> ContactAttempt:
    """A reminder sent by SMS, as the sender leaves it."""
    _seed(session)
    attempt = session.execute(select(ContactAttempt)).scalar_one()
    attempt.status, attempt.provider_ref = AttemptStatus.sent, "SM" + "0" * 31 + "7"
    session.add(attempt)
    session.flush()
    return attempt


def _callback(client, attempt: ContactAttempt, status: str, *, forged: bool = False, **extra):
    query = urlencode({"key": attempt.key})
    form = {"MessageSid": attempt.provider_ref, "MessageStatus": status, **extra}
    url = f"{PUBLIC}{STATUS_CALLBACK_PATH}?{query}"
    signature = RequestValidator("wrong" if forged else TOKEN).compute_signature(url, form)
    return client.post(
        f"{STATUS_CALLBACK_PATH}?{query}", data=form, headers={"X-Twilio-Signature": signature}
    )


def _events(session: Session, attempt: ContactAttempt) -> int:
    query = select(func.count()).where(AuditEvent.entity_id == str(attempt.id))
    return session.execute(query).scalar_one()


def test_statuses_only_move_forward_and_replays_change_nothing(
    session: Session, client, twilio: None
) -> None:
    attempt = _sent(session)
    assert _callback(client, attempt, "delivered").status_code == 204
    session.refresh(attempt)
    assert attempt.status == AttemptStatus.delivered
    events = _events(session, attempt)
    assert _callback(client, attempt, "delivered").status_code == 204
    assert _callback(client, attempt, "sent").status_code == 204  # late and out of order
    session.refresh(attempt)
    assert attempt.status == AttemptStatus.delivered and _events(session, attempt) == events
    assert _callback(client, attempt, "read").status_code == 204
    session.refresh(attempt)
    assert attempt.status == AttemptStatus.read


def test_an_undelivered_sms_moves_on_to_email(session: Session, client, twilio: None) -> None:
    attempt = _sent(session)
    answer = _callback(client, attempt, "undelivered", ErrorCode="30003")
    assert answer.status_code == 204
    session.refresh(attempt)
    assert (attempt.status, attempt.rule) == (AttemptStatus.failed, "undelivered")
    fallback = session.execute(
        select(ContactAttempt).where(ContactAttempt.key == f"{attempt.key}|email")
    ).scalar_one()
    assert fallback.channel == Channel.email and fallback.step == attempt.step
    assert _callback(client, attempt, "undelivered").status_code == 204  # again: nothing new
    count = select(func.count()).select_from(ContactAttempt)
    assert session.execute(count).scalar_one() == 2


def test_forged_or_unsigned_callbacks_are_refused(session: Session, client, twilio: None) -> None:
    attempt = _sent(session)
    forged = _callback(client, attempt, "delivered", forged=True)
    assert forged.status_code == 400 and forged.json()["code"] == "invalid_signature"
    unsigned = client.post(STATUS_CALLBACK_PATH, data={"MessageSid": "x", "MessageStatus": "read"})
    assert unsigned.status_code == 400
    session.refresh(attempt)
    assert attempt.status == AttemptStatus.sent


def test_without_twilio_the_callback_does_not_exist(session: Session, client) -> None:
    response = client.post(STATUS_CALLBACK_PATH, data={"MessageStatus": "read"})
    assert response.status_code == 404
