"""E-mail unsubscribe links: every reminder e-mail carries one, signed for its debtor and the
address it went to, in its ``List-Unsubscribe`` header (RFC 2369) and its footer.

``GET`` on the link shows a page that asks; ``POST`` with ``List-Unsubscribe=One-Click``
(RFC 8058: what a mail client sends from its own unsubscribe button, with no cookies and no
authorization) opts the debtor out of e-mail through the contact domain, the opt-out every
contact decision honours. Possession of the link is the proof; it names no one in the clear.

A token is base64url(debtor id (16 bytes) + expiry (4 bytes, Unix seconds) + address tag
(8 bytes) + the first 16 bytes of HMAC-SHA256(secret key, purpose + those 28 bytes)): 59
characters of ``[A-Za-z0-9_-]``. The address tag is a keyed hash of the address, so the link
says which address asked without carrying it; the purpose string binds the token to
unsubscribing (no other signed token of the application verifies here).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from backend.audit.service import Actor
from backend.contact import service as contact
from backend.core.config import get_settings
from backend.core.errors import DomainError, NotFound
from backend.debtors.models import Debtor
from shared.schemas.enums import Channel

PATH = "/unsubscribe"
ONE_CLICK = "One-Click"  # RFC 8058's body: List-Unsubscribe=One-Click
SOURCE = "email_unsubscribe"
_PURPOSE = b"cobro:email-unsubscribe:v1:"
_ADDRESS_PURPOSE = b"cobro:email-unsubscribe-address:v1:"
_TAG_BYTES = 8
_MAC_BYTES = 16
_BODY_BYTES = 16 + 4 + _TAG_BYTES
_TOKEN = re.compile(r"[A-Za-z0-9_-]{59}")


class InvalidUnsubscribeLink(DomainError):
    """Malformed, forged or altered: nothing is read or written."""

    status = 400
    code = "invalid_unsubscribe_link"


class ExpiredUnsubscribeLink(DomainError):
    status = 410
    code = "expired_unsubscribe_link"


class OneClickRequired(DomainError):
    """A POST without RFC 8058's ``List-Unsubscribe=One-Click`` body."""

    status = 400
    code = "one_click_required"


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a verified link unsubscribes, and the address of theirs it was sent to (None when
    it is no longer on file: the link still works)."""

    debtor: Debtor
    address: str | None


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _tag(secret: str, address: str) -> bytes:
    normal = address.strip().lower().encode()
    return hmac.new(secret.encode(), _ADDRESS_PURPOSE + normal, hashlib.sha256).digest()[
        :_TAG_BYTES
    ]


def sign(debtor_id: uuid.UUID, address: str, expires_at: datetime, secret: str) -> str:
    body = debtor_id.bytes + int(expires_at.timestamp()).to_bytes(4, "big") + _tag(secret, address)
    return base64.urlsafe_b64encode(body + _mac(secret, body)).decode().rstrip("=")


def url_for(debtor_id: uuid.UUID, address: str, now: datetime) -> str:
    """The link for a reminder to ``address`` sent ``now``, on the public URL."""
    settings = get_settings()
    expires = now + timedelta(days=settings.unsubscribe_link_days)
    token = sign(debtor_id, address, expires, settings.secret_key)
    return f"{settings.public_url.rstrip('/')}{PATH}/{token}"


def verify(token: str, secret: str, now: datetime) -> tuple[uuid.UUID, bytes]:
    """The debtor and address tag a token names; :class:`InvalidUnsubscribeLink` when it is
    malformed, forged or altered, :class:`ExpiredUnsubscribeLink` when it is authentic but
    past its time."""
    if not _TOKEN.fullmatch(token):
        raise InvalidUnsubscribeLink()
    try:
        raw = base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError):
        raise InvalidUnsubscribeLink() from None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:  # spare bits set
        raise InvalidUnsubscribeLink()
    body, mac = raw[:_BODY_BYTES], raw[_BODY_BYTES:]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidUnsubscribeLink()
    if datetime.fromtimestamp(int.from_bytes(body[16:20], "big"), UTC) <= now:
        raise ExpiredUnsubscribeLink()
    return uuid.UUID(bytes=body[:16]), body[20:]


def target(session: Session, token: str, now: datetime) -> Target:
    """Whom ``token`` unsubscribes (for the link's guard)."""
    secret = get_settings().secret_key
    debtor_id, tag = verify(token, secret, now)
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NotFound()
    address = next((a for a in debtor.emails if hmac.compare_digest(_tag(secret, a), tag)), None)
    return Target(debtor, address)


def unsubscribe(session: Session, found: Target, one_click: str | None) -> bool:
    """Opt the link's debtor out of e-mail (the debtor acts, through the link); whether it
    changed anything (a second click changes nothing and records nothing)."""
    if one_click != ONE_CLICK:
        raise OneClickRequired()
    return contact.set_opt_out(
        session,
        Actor("debtor", found.debtor.id),
        found.debtor,
        Channel.email,
        source=SOURCE,
        address=found.address,
    )
