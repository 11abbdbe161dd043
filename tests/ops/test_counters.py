"""Webhooks by channel and outcome, and reminders sent by channel and outcome, counted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from backend.core.clock import pinned
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.sending import send_due
from shared.observability.metrics import counted_webhook, webhook_outcome
from shared.schemas.enums import Channel
from tests.channels.conftest import bots_app, run, settings, tg_message, wa_text
from tests.ops.helpers import sample
from tests.outbound.channels.test_sms import sender_for
from tests.outbound.standins import serve_apis
from tests.outbound.test_sending import MORNING, _seed
from tests.payments.conftest import SECRET
from tests.payments.stripe_stub import sign as stripe_sign

WEBHOOKS = "cobro_webhooks_total"
SENDS = "cobro_outbound_sends_total"


def moved(name: str, before: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """How much each (channel, outcome) sample moved since ``before`` (unmoved ones left out)."""
    after = {
        key: sample(name, channel=key[0], outcome=key[1]) - value for key, value in before.items()
    }
    return {key: delta for key, delta in after.items() if delta}


def snapshot(name: str, channels: tuple[str, ...], outcomes: tuple[str, ...]) -> dict:
    return {
        (channel, outcome): sample(name, channel=channel, outcome=outcome)
        for channel in channels
        for outcome in outcomes
    }


OUTCOMES = ("accepted", "rejected", "unauthorized", "not_configured", "failed")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "accepted"),
        (204, "accepted"),
        (400, "rejected"),
        (422, "rejected"),
        (401, "unauthorized"),
        (403, "unauthorized"),
        (404, "not_configured"),
        (500, "failed"),
        (503, "failed"),
    ],
)
def test_webhook_outcomes_follow_the_answer(status: int, outcome: str) -> None:
    assert webhook_outcome(status) == outcome


def test_counted_webhooks_wrap_async_endpoints_only() -> None:
    def plain() -> None: ...

    with pytest.raises(TypeError):
        counted_webhook("x")(plain)


def test_chat_webhooks_are_counted_by_channel_and_outcome() -> None:
    before = snapshot(WEBHOOKS, ("telegram", "whatsapp"), OUTCOMES)

    async def scenario() -> None:
        async with bots_app() as bots:
            assert (await bots.telegram(tg_message(1, "hola"))).status_code == 200
            assert (await bots.telegram(tg_message(2, "hola"), secret="wrong")).status_code == 401
            assert (await bots.http.post("/webhooks/telegram", json=[1])).status_code == 401
            assert (await bots.whatsapp(wa_text("hola"))).status_code == 200
            assert (await bots.whatsapp(wa_text("hola"), signature="sha256=00")).status_code == 403
        unset = {"whatsapp_token": ""}
        async with bots_app(bot_settings=settings(**unset)) as bots:
            assert (await bots.whatsapp(wa_text("hola"))).status_code == 404

    run(scenario())
    assert moved(WEBHOOKS, before) == {
        ("telegram", "accepted"): 1,
        ("telegram", "unauthorized"): 2,
        ("whatsapp", "accepted"): 1,
        ("whatsapp", "unauthorized"): 1,
        ("whatsapp", "not_configured"): 1,
    }


@pytest.fixture
def stripe_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    yield SECRET
    get_settings.cache_clear()


def test_payment_webhooks_are_counted_by_outcome(client, stripe_secret: str) -> None:
    before = snapshot(WEBHOOKS, ("stripe",), OUTCOMES)
    event = {"id": "evt_other", "type": "customer.created", "data": {"object": {}}}
    payload = json.dumps(event).encode()
    answer = client.post(
        "/api/v1/payments/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": stripe_sign(payload, stripe_secret)},
    )
    assert answer.status_code == 200, answer.text
    forged = client.post(
        "/api/v1/payments/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": stripe_sign(payload, "whsec_wrong")},
    )
    assert forged.status_code == 400
    assert moved(WEBHOOKS, before) == {("stripe", "accepted"): 1, ("stripe", "rejected"): 1}


def test_sms_status_webhooks_without_twilio_are_counted(client) -> None:
    before = snapshot(WEBHOOKS, ("twilio",), OUTCOMES)
    assert client.post("/api/v1/outbound/webhooks/twilio", data={}).status_code == 404
    assert moved(WEBHOOKS, before) == {("twilio", "not_configured"): 1}


def test_sends_are_counted_by_channel_and_outcome(committed_engine: Engine) -> None:
    """One reminder fails on SMS (a bad number) and falls back to e-mail, which has no
    provider here and lands in the outbox; the other goes out by SMS."""
    with session_scope(committed_engine) as session:
        _seed(session, accounts=2)
    before = snapshot(SENDS, ("sms", "email"), ("sent", "outbox", "retried", "failed", "cancelled"))
    with serve_apis() as apis:
        sms = sender_for(apis.url)
        apis.twilio.fail_next("bad_number")
        try:
            with pinned(MORNING):
                first = send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine)
                second = send_due({Channel.sms: sms}, LocalLimiter({}), committed_engine)
        finally:
            sms.close()
    assert (first.failed, first.sent, second.outbox) == (1, 1, 1)
    assert moved(SENDS, before) == {
        ("sms", "failed"): 1,
        ("sms", "sent"): 1,
        ("email", "outbox"): 1,
    }
