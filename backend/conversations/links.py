"""Signed chat links: a start token that identifies one debtor to the bot without typing.

A token is ``cb2_`` + base64url(debtor id (16 bytes) + expiry (4 bytes, Unix seconds) + a random
nonce (6 bytes) + the first 16 bytes of HMAC-SHA256(secret key, purpose + those 26 bytes)):
60 characters of ``[A-Za-z0-9_-]``, so it fits Telegram's ``/start`` parameter (64 at most) and a
``wa.me`` prefilled text. The purpose string binds it to chat links only (a token made for
anything else never verifies here), it names a single debtor and it expires.

Possession of the link is the proof of identity, once: the first chat that uses it owns it
(``verification.identify_by_token`` records the redemption under the link's :attr:`ChatLink.digest`,
a unique key). That chat may use it again until it expires (a second tap, a redelivered
webhook); any other chat is refused. The nonce makes every link signed a link of its own, so two
links for one debtor made in the same second are still two links.

The ready-made links need the channels' public names, read from the environment:
``COBRO_TELEGRAM_BOT_USERNAME`` (without the ``@``) and ``COBRO_WHATSAPP_NUMBER`` (E.164).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.schemas.conversations import CHAT_TOKEN_PATTERN

PREFIX = "cb2_"
_PURPOSE = b"cobro:chat-link:v2:"
_MAC_BYTES = 16
_NONCE_BYTES = 6
_BODY_BYTES = 16 + 4 + _NONCE_BYTES
TOKEN_PATTERN = re.compile(CHAT_TOKEN_PATTERN)


class ChannelNames(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COBRO_", extra="ignore")

    telegram_bot_username: str = ""
    whatsapp_number: str = ""


@dataclass(frozen=True, slots=True)
class ChatLink:
    """A verified token: the debtor it names, when it expires, and its identity (SHA-256 of the
    signed body, hex: the key its redemption is recorded under)."""

    debtor_id: uuid.UUID
    expires_at: datetime
    digest: str


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + body, hashlib.sha256).digest()[:_MAC_BYTES]


def sign(debtor_id: uuid.UUID, expires_at: datetime, secret: str) -> str:
    expiry = int(expires_at.timestamp()).to_bytes(4, "big")
    body = debtor_id.bytes + expiry + secrets.token_bytes(_NONCE_BYTES)
    raw = body + _mac(secret, body)
    return PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify(token: str, secret: str, now: datetime) -> ChatLink | None:
    """The link a token is, or None when it is malformed, forged or expired."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX) :] + "==")
    except (binascii.Error, ValueError):
        return None
    body, mac = raw[:_BODY_BYTES], raw[_BODY_BYTES:]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    expires = datetime.fromtimestamp(int.from_bytes(body[16:20], "big"), UTC)
    if expires <= now:
        return None
    return ChatLink(uuid.UUID(bytes=body[:16]), expires, hashlib.sha256(body).hexdigest())


def channel_urls(token: str) -> tuple[str | None, str | None]:
    """(Telegram deep link, WhatsApp click-to-chat link) for the configured channels."""
    names = ChannelNames()
    username = names.telegram_bot_username.lstrip("@")
    number = re.sub(r"\D", "", names.whatsapp_number)
    telegram = f"https://t.me/{quote(username)}?start={token}" if username else None
    whatsapp = f"https://wa.me/{number}?text={token}" if number else None
    return telegram, whatsapp
