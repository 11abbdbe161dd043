"""Signed chat links: a start token that identifies one debtor to the bot without typing.

A token is ``cb1_`` + base64url(debtor id (16 bytes) + expiry (4 bytes, Unix seconds) + the
first 16 bytes of HMAC-SHA256(secret key, purpose + those 20 bytes)): 52 characters of
``[A-Za-z0-9_-]``, so it fits Telegram's ``/start`` parameter (64 at most) and a ``wa.me``
prefilled text. The purpose string binds it to chat links only (a token made for anything
else never verifies here), it names a single debtor and it expires. It can be used until it
expires (a reminder may be opened twice); possession of the link is the proof of identity.

The ready-made links need the channels' public names, read from the environment:
``COBRO_TELEGRAM_BOT_USERNAME`` (without the ``@``) and ``COBRO_WHATSAPP_NUMBER`` (E.164).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.schemas.conversations import CHAT_TOKEN_PATTERN

PREFIX = "cb1_"
_PURPOSE = b"cobro:chat-link:v1:"
_MAC_BYTES = 16
_BODY_BYTES = 16 + 4
TOKEN_PATTERN = re.compile(CHAT_TOKEN_PATTERN)


class ChannelNames(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COBRO_", extra="ignore")

    telegram_bot_username: str = ""
    whatsapp_number: str = ""


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + body, hashlib.sha256).digest()[:_MAC_BYTES]


def sign(debtor_id: uuid.UUID, expires_at: datetime, secret: str) -> str:
    body = debtor_id.bytes + int(expires_at.timestamp()).to_bytes(4, "big")
    raw = body + _mac(secret, body)
    return PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify(token: str, secret: str, now: datetime) -> uuid.UUID | None:
    """The debtor a token names, or None when it is malformed, forged or expired."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX) :] + "==")
    except (binascii.Error, ValueError):
        return None
    body, mac = raw[:_BODY_BYTES], raw[_BODY_BYTES:]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    expires = datetime.fromtimestamp(int.from_bytes(body[16:], "big"), UTC)
    if expires <= now:
        return None
    return uuid.UUID(bytes=body[:16])


def channel_urls(token: str) -> tuple[str | None, str | None]:
    """(Telegram deep link, WhatsApp click-to-chat link) for the configured channels."""
    names = ChannelNames()
    username = names.telegram_bot_username.lstrip("@")
    number = re.sub(r"\D", "", names.whatsapp_number)
    telegram = f"https://t.me/{quote(username)}?start={token}" if username else None
    whatsapp = f"https://wa.me/{number}?text={token}" if number else None
    return telegram, whatsapp
