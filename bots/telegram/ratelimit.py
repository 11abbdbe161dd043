"""Flood control: a 429 answer's ``retry_after`` is waited out, then the request is sent again.

Telegram allows about one message a second per chat and answers 429 with
``parameters.retry_after`` beyond that. Every Bot API call of the application goes through
:class:`RetryAfterLimiter`: it sleeps the time asked and retries once; a second 429, or a wait
longer than ``max_wait``, raises ``RetryAfter`` to the caller (nothing is sent early).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type PTB returns (int now, timedelta later)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RetryAfterLimiter(BaseRateLimiter[None]):
    """React to flood control only when Telegram asks: wait ``retry_after``, retry once."""

    def __init__(self, *, max_wait: float = 60.0, sleep: Sleep = asyncio.sleep) -> None:
        self.max_wait = max_wait
        self.sleep = sleep  # replaceable (tests)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as error:
            wait = retry_seconds(error)
            if wait > self.max_wait:
                raise
            logger.warning("Telegram %s: flood control, retrying in %.1f s", endpoint, wait)
            await self.sleep(wait)
            return await callback(*args, **kwargs)
