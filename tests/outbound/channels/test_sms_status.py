"""Twilio status callbacks: checked with Twilio's RequestValidator, mapped to updates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from backend.outbound.channels.base import DeliveryUpdate, InvalidSignature
from backend.outbound.channels.sms import status_callback_url
from backend.outbound.channels.sms_status import parse_status
from tests.outbound.standins import TWILIO_SID, TWILIO_TOKEN

URL = status_callback_url("https://cobro.example.com", "run 7/step 2")
AT = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)


def form(status: str, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + "0" * 31 + "1",
        "SmsSid": "SM" + "0" * 31 + "1",
        "AccountSid": TWILIO_SID,
        "From": "+15005550006",
        "To": "+51987654321",
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def signed(fields: dict[str, str], url: str = URL, token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, fields)


def parse(fields: dict[str, str], signature: str | None, url: str = URL) -> list[DeliveryUpdate]:
    return parse_status(url, fields, signature, auth_token=TWILIO_TOKEN, at=AT)


@pytest.mark.parametrize(
    ("twilio", "ours"),
    [("sent", "sent"), ("delivered", "delivered"), ("read", "read"), ("undelivered", "failed")],
)
def test_a_signed_callback_becomes_an_update_naming_the_attempt(twilio: str, ours: str) -> None:
    fields = form(twilio)

    [update] = parse(fields, signed(fields))

    assert update == DeliveryUpdate(
        provider_ref="SM" + "0" * 31 + "1",
        status=ours,
        at=AT,
        key="run 7/step 2",  # type: ignore[arg-type]
    )


def test_a_failure_carries_twilio_s_error_code() -> None:
    fields = form("failed", ErrorCode="30003")

    [update] = parse(fields, signed(fields))

    assert (update.status, update.error) == ("failed", "twilio 30003")


@pytest.mark.parametrize("step", ["accepted", "scheduled", "queued", "sending"])
def test_steps_before_a_result_yield_nothing(step: str) -> None:
    fields = form(step)

    assert parse(fields, signed(fields)) == []


def test_a_missing_signature_is_refused() -> None:
    with pytest.raises(InvalidSignature):
        parse(form("delivered"), None)


def test_a_signature_with_another_token_is_refused() -> None:
    fields = form("delivered")

    with pytest.raises(InvalidSignature):
        parse(fields, signed(fields, token="someone-else"))


def test_a_changed_field_is_refused() -> None:
    fields = form("failed", ErrorCode="30003")
    signature = signed(fields)

    with pytest.raises(InvalidSignature):
        parse(form("delivered"), signature)


def test_a_callback_for_another_attempt_url_is_refused() -> None:
    fields = form("delivered")
    other = status_callback_url("https://cobro.example.com", "another attempt")

    with pytest.raises(InvalidSignature):
        parse(fields, signed(fields, url=other))
