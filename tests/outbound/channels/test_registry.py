"""Which senders and limits the settings give: none by default, each channel once configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.core.config import Settings
from backend.outbound.channels.ratelimit import LocalLimiter, Rate, RedisLimiter
from backend.outbound.channels.registry import build_limiter, configured_senders, rates
from backend.outbound.channels.sms import TwilioSender
from backend.outbound.channels.smtp import SmtpSender
from backend.outbound.channels.telegram import TelegramSender
from backend.outbound.channels.whatsapp import WhatsAppSender
from shared.schemas.enums import Channel

EVERY_CHANNEL = {
    "COBRO_WHATSAPP_TOKEN": "wa-token",
    "COBRO_WHATSAPP_PHONE_NUMBER_ID": "1098765432",
    "COBRO_TELEGRAM_BOT_TOKEN": "123456:secret-part",
    "COBRO_TWILIO_ACCOUNT_SID": "AC1",
    "COBRO_TWILIO_AUTH_TOKEN": "twilio-token",
    "COBRO_TWILIO_FROM": "+15005550006",
    "COBRO_SMTP_HOST": "smtp.example.com",
    "COBRO_SMTP_FROM": "Cobro <cobranzas@example.com>",
}


@pytest.fixture
def every_channel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    for name, value in EVERY_CHANNEL.items():
        monkeypatch.setenv(name, value)
    yield Settings()


def test_nothing_is_configured_by_default() -> None:
    settings = Settings()

    assert configured_senders(settings) == {}
    assert rates(settings) == {}
    assert isinstance(build_limiter(settings), LocalLimiter)


def test_each_channel_is_configured_from_its_variables(every_channel: Settings) -> None:
    senders = configured_senders(every_channel)
    try:
        kinds = {channel: type(sender) for channel, sender in senders.items()}
        assert kinds == {
            Channel.whatsapp: WhatsAppSender,
            Channel.telegram: TelegramSender,
            Channel.sms: TwilioSender,
            Channel.email: SmtpSender,
        }
        assert all(sender.channel == channel for channel, sender in senders.items())
    finally:
        for sender in senders.values():
            sender.close()


@pytest.mark.parametrize(
    ("missing", "channel"),
    [
        ("COBRO_WHATSAPP_PHONE_NUMBER_ID", Channel.whatsapp),
        ("COBRO_TWILIO_AUTH_TOKEN", Channel.sms),
        ("COBRO_TWILIO_FROM", Channel.sms),
        ("COBRO_SMTP_FROM", Channel.email),
    ],
)
def test_a_channel_missing_a_credential_stays_off(
    monkeypatch: pytest.MonkeyPatch, missing: str, channel: Channel
) -> None:
    for name, value in EVERY_CHANNEL.items():
        if name != missing:
            monkeypatch.setenv(name, value)

    senders = configured_senders(Settings())
    try:
        assert set(senders) == {Channel.whatsapp, Channel.telegram, Channel.sms, Channel.email} - {
            channel
        }
    finally:
        for sender in senders.values():
            sender.close()


def test_a_messaging_service_stands_in_for_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBRO_TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("COBRO_TWILIO_AUTH_TOKEN", "twilio-token")
    monkeypatch.setenv("COBRO_TWILIO_MESSAGING_SERVICE_SID", "MG1")

    assert rates(Settings())[Channel.sms] == Rate("twilio:AC1:MG1", 10.0)


def test_limits_are_scoped_to_the_sender_and_keep_secrets_out(
    every_channel: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBRO_TWILIO_RATE", "3")

    found = rates(Settings())

    assert found == {
        Channel.whatsapp: Rate("whatsapp:1098765432", 80.0),
        Channel.telegram: Rate("telegram:123456", 30.0),
        Channel.sms: Rate("twilio:AC1:+15005550006", 3.0),
        Channel.email: Rate("smtp:smtp.example.com:587", 10.0),
    }


def test_a_redis_url_shares_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBRO_REDIS_URL", "redis://127.0.0.1:6379/0")

    assert isinstance(build_limiter(Settings()), RedisLimiter)


def test_an_api_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="base URL"):
        Settings(twilio_api_base_url="api.twilio.com")
    assert Settings(telegram_api_base_url="http://127.0.0.1:9/").telegram_api_base_url == (
        "http://127.0.0.1:9"
    )
