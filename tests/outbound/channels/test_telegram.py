"""Telegram through python-telegram-bot against the Bot API stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from backend.outbound.channels.base import OutboundMessage
from backend.outbound.channels.telegram import TelegramSender
from shared.schemas.enums import Channel
from tests.outbound.standins import TG_TOKEN, StandIns

CHAT = "7712345"


@pytest.fixture
def sender(apis: StandIns) -> Iterator[TelegramSender]:
    sender = TelegramSender(token=TG_TOKEN, base_url=apis.url)
    yield sender
    sender.close()


def message(text: str = "Hola Ana, tu cuota vence mañana.", to: str = CHAT) -> OutboundMessage:
    return OutboundMessage(key="attempt-1", channel=Channel.telegram, to=to, text=text)


def test_the_text_goes_to_the_linked_chat(sender: TelegramSender, apis: StandIns) -> None:
    result = sender.send(message())

    assert (result.status, result.provider_ref) == ("sent", f"{CHAT}:1")
    [call] = apis.telegram.received
    assert call.path == f"/bot{TG_TOKEN}/sendMessage"
    assert call.body == {"chat_id": CHAT, "text": "Hola Ana, tu cuota vence mañana."}


def test_flood_control_is_retryable_after_the_wait_telegram_asked(
    sender: TelegramSender, apis: StandIns
) -> None:
    apis.telegram.fail_next("rate_limit")

    result = sender.send(message())

    assert (result.status, result.retryable, result.retry_after) == ("failed", True, 7.0)
    assert len(apis.telegram.received) == 1  # not retried behind the caller's back


@pytest.mark.parametrize(
    ("kind", "retryable", "text", "unreachable"),
    [
        ("server_error", True, "internal server error", False),
        ("bad_number", False, "chat not found", False),
        ("blocked", False, "bot was blocked", True),
    ],
)
def test_errors_map_to_failed_and_retryable_only_when_worth_retrying(
    sender: TelegramSender,
    apis: StandIns,
    kind: str,
    retryable: bool,
    text: str,
    unreachable: bool,
) -> None:
    apis.telegram.fail_next(kind)

    result = sender.send(message())

    assert (result.status, result.retryable, result.provider_ref) == ("failed", retryable, None)
    assert text in (result.error or "").lower()
    assert result.unreachable is unreachable  # the person blocked the bot: never retried
    assert sender.send(message()).status == "sent"


def test_worker_threads_share_the_sender(sender: TelegramSender, apis: StandIns) -> None:
    texts = [f"mensaje {n}" for n in range(24)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda text: sender.send(message(text)), texts))

    assert all(result.status == "sent" for result in results)
    assert len({result.provider_ref for result in results}) == len(texts)
    assert sorted(call.body["text"] for call in apis.telegram.received) == sorted(texts)


def test_a_refused_connection_is_retryable(nowhere: str) -> None:
    sender = TelegramSender(token=TG_TOKEN, base_url=nowhere)
    try:
        result = sender.send(message())
    finally:
        sender.close()
    assert (result.status, result.retryable) == ("failed", True)


def test_a_timeout_is_retryable(apis: StandIns) -> None:
    sender = TelegramSender(token=TG_TOKEN, base_url=apis.url, timeout=0.3)
    apis.telegram.delay_next(1.0)
    try:
        result = sender.send(message())
    finally:
        sender.close()
    assert (result.status, result.retryable) == ("failed", True)
    assert "TimedOut" in (result.error or "")
