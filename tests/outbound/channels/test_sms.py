"""SMS through Twilio's library against the Messages.json stand-in."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from backend.outbound.channels.base import OutboundMessage
from backend.outbound.channels.sms import TwilioSender
from shared.schemas.enums import Channel
from tests.outbound.standins import TWILIO_SID, TWILIO_TOKEN, StandIns

TO, FROM = "+51987654321", "+15005550006"
PUBLIC = "https://cobro.example.com"


def sender_for(url: str, *, service: str = "", timeout: float = 15.0) -> TwilioSender:
    return TwilioSender(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        base_url=url,
        public_url=PUBLIC,
        from_="" if service else FROM,
        messaging_service_sid=service,
        timeout=timeout,
    )


@pytest.fixture
def sender(apis: StandIns) -> Iterator[TwilioSender]:
    sender = sender_for(apis.url)
    yield sender
    sender.close()


def message(key: str = "attempt-1") -> OutboundMessage:
    return OutboundMessage(key=key, channel=Channel.sms, to=TO, text="Cobro: tu cuota vence hoy.")


def test_the_message_goes_with_a_status_callback_naming_the_attempt(
    sender: TwilioSender, apis: StandIns
) -> None:
    result = sender.send(message("run 7/step 2"))

    assert (result.status, result.provider_ref) == ("sent", "SM" + "0" * 31 + "1")
    [call] = apis.twilio.received
    assert call.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    credentials = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert call.headers["authorization"] == f"Basic {credentials}"
    assert call.body == {
        "To": TO,
        "From": FROM,
        "Body": "Cobro: tu cuota vence hoy.",
        "StatusCallback": f"{PUBLIC}/api/v1/outbound/webhooks/twilio?key=run+7%2Fstep+2",
    }


def test_a_messaging_service_picks_the_number(apis: StandIns) -> None:
    sender = sender_for(apis.url, service="MG" + "1" * 32)
    try:
        assert sender.send(message()).status == "sent"
    finally:
        sender.close()
    [call] = apis.twilio.received
    assert call.body["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in call.body


def test_a_sender_needs_a_number_or_a_service() -> None:
    with pytest.raises(ValueError, match="sender"):
        TwilioSender(account_sid=TWILIO_SID, auth_token="t", base_url=PUBLIC, public_url=PUBLIC)


@pytest.mark.parametrize(
    ("kind", "retryable", "code"),
    [("rate_limit", True, 20429), ("server_error", True, 20500), ("bad_number", False, 21211)],
)
def test_errors_map_to_failed_and_retryable_only_when_worth_retrying(
    sender: TwilioSender, apis: StandIns, kind: str, retryable: bool, code: int
) -> None:
    apis.twilio.fail_next(kind)

    result = sender.send(message())

    assert (result.status, result.retryable, result.provider_ref) == ("failed", retryable, None)
    assert (result.error or "").startswith(f"twilio {code}:")
    assert sender.send(message()).status == "sent"


def test_a_refused_connection_is_retryable(nowhere: str) -> None:
    sender = sender_for(nowhere)
    try:
        result = sender.send(message())
    finally:
        sender.close()
    assert (result.status, result.retryable) == ("failed", True)


def test_a_timeout_is_retryable(apis: StandIns) -> None:
    sender = sender_for(apis.url, timeout=0.3)
    apis.twilio.delay_next(1.0)
    try:
        result = sender.send(message())
    finally:
        sender.close()
    assert (result.status, result.retryable) == ("failed", True)
    assert "Timeout" in (result.error or "")


def test_worker_threads_share_the_sender(sender: TwilioSender, apis: StandIns) -> None:
    keys = [f"attempt-{n}" for n in range(24)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda key: sender.send(message(key)), keys))

    assert all(result.status == "sent" for result in results)
    assert len({result.provider_ref for result in results}) == len(keys)
    callbacks = sorted(call.body["StatusCallback"] for call in apis.twilio.received)
    assert callbacks == sorted(
        f"{PUBLIC}/api/v1/outbound/webhooks/twilio?key={key}" for key in keys
    )
