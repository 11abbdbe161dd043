"""The sending interface every channel adapter implements, and what status callbacks yield."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from shared.schemas.enums import Channel


class InvalidSignature(Exception):
    """A status callback whose signature is missing or wrong: refuse it, read nothing."""


@dataclass(frozen=True, slots=True)
class WhatsAppTemplate:
    """An approved template as the Cloud API expects it: its name, language code (``es``,
    ``es_MX``, ``en_US``...) and body parameters in order."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message to one person.

    ``key`` is unique per contact attempt: the same attempt retried carries the same key. It is
    sent where the provider can echo it back (WhatsApp's ``biz_opaque_callback_data``, the
    Twilio status callback URL) and is the e-mail's Message-ID; no provider here deduplicates
    on it (the Cloud API, the Bot API and Twilio's Messages API have no idempotency key).
    """

    key: str
    channel: Channel
    to: str  # E.164 phone, e-mail address, or Telegram chat id
    text: str  # WhatsApp session message, SMS, Telegram, e-mail text part
    subject: str | None = None  # e-mail
    html: str | None = None  # e-mail HTML part
    template: WhatsAppTemplate | None = None  # WhatsApp outside the 24-hour window
    unsubscribe_url: str | None = None  # e-mail List-Unsubscribe (One-Click when https)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider answered. ``retryable`` marks failures worth another try later
    (rate limits, 5xx, timeouts, connection errors), never a bad address; ``retry_after`` is
    the wait the provider asked for, when it said one; ``unreachable``: the recipient cannot be
    reached on this channel at all (they blocked the Telegram bot; WhatsApp says undeliverable)."""

    provider_ref: str | None
    status: Literal["sent", "failed"]
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None
    unreachable: bool = False


def sent(provider_ref: str) -> SendResult:
    return SendResult(provider_ref=provider_ref, status="sent")


def failed(
    error: str, *, retryable: bool, retry_after: float | None = None, unreachable: bool = False
) -> SendResult:
    return SendResult(
        provider_ref=None,
        status="failed",
        error=error,
        retryable=retryable,
        retry_after=retry_after,
        unreachable=unreachable,
    )


class Sender(Protocol):
    channel: Channel

    def send(self, message: OutboundMessage) -> SendResult:
        """Send one message; provider errors are answered as a failed result, never raised."""
        ...

    def close(self) -> None:
        """Release connections (and threads) the adapter holds."""
        ...


@dataclass(frozen=True, slots=True)
class DeliveryUpdate:
    """A provider's report on a message sent earlier. ``key`` is the attempt's key when the
    provider echoed it (so an attempt whose send answer was lost can still be matched)."""

    provider_ref: str
    status: Literal["sent", "delivered", "read", "failed"]
    at: datetime
    error: str | None = None
    key: str | None = None
