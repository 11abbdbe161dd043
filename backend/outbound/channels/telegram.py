"""Telegram through python-telegram-bot's ``Bot.send_message``, to debtors who linked a chat.

The Bot is asynchronous and the sending job is not: the sender owns one event loop on a thread
of its own, and ``send`` (called from any worker thread) runs the call there and waits. One
loop and one connection pool serve every worker thread of the process.

The Bot API has no idempotency key. A 429 (flood control) is a retryable failure carrying the
``retry_after`` Telegram asked for.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from backend.outbound.channels.base import OutboundMessage, SendResult, failed, sent
from shared.schemas.enums import Channel

T = TypeVar("T")


def _seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type PTB returns (int now, timedelta later)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _error_result(error: TelegramError) -> SendResult:
    if isinstance(error, RetryAfter):
        wait = _seconds(error)
        return failed(
            f"telegram: flood control, retry in {wait:g} s", retryable=True, retry_after=wait
        )
    if isinstance(error, ChatMigrated):
        return failed(f"telegram: chat moved to {error.new_chat_id}", retryable=False)
    if isinstance(error, Forbidden):  # "bot was blocked by the user", "user is deactivated"
        return failed(f"telegram: {error.message}", retryable=False, unreachable=True)
    # BadRequest is a NetworkError subclass: a bad chat id is final, a lost connection is not.
    retryable = isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    return failed(f"telegram: {type(error).__name__}: {error.message}", retryable=retryable)


class _LoopThread:
    """An event loop running on a daemon thread; coroutines are submitted from other threads."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="telegram-sender", daemon=True
        )
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class TelegramSender:
    channel = Channel.telegram

    def __init__(self, *, token: str, base_url: str, timeout: float = 15.0) -> None:
        request = HTTPXRequest(
            connection_pool_size=32,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
        )
        self._bot = Bot(token, base_url=f"{base_url.rstrip('/')}/bot", request=request)
        self._loop = _LoopThread()

    def send(self, message: OutboundMessage) -> SendResult:
        try:
            result = self._loop.run(self._bot.send_message(chat_id=message.to, text=message.text))
        except TelegramError as error:
            return _error_result(error)
        return sent(f"{result.chat.id}:{result.message_id}")

    def close(self) -> None:
        self._loop.run(self._bot.shutdown())
        self._loop.stop()
