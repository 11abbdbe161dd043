"""Binding a chat to debtors: by signed chat link, or by national ID plus a second factor.

Rules of the chat-link path: a link is single-use and bound to the first chat that uses it. Its
first use records the chat under the link's identity (a unique key); that chat may use it again
until it expires (a second tap, a redelivered webhook: verified again, nothing new recorded),
any other chat answers ``failed`` (audited as ``conversation.chat_link_refused``) and is asked
to verify by ID, as for a forged or expired link.

Rules of the national-ID path:

* The second factor is the last four digits of a phone on file or the date of birth; a phone
  number alone (the chat's own WhatsApp number, say) is never proof: numbers get recycled.
* It binds every debtor with that national ID (across portfolios) whose factor matches.
* A wrong answer answers ``failed`` whatever was wrong: the answer never tells whether the ID
  exists. Failures are counted per chat and per national ID (any chat): :data:`MAX_FAILURES`
  within :data:`FAILURE_WINDOW` lock both out for :data:`LOCKOUT` after the last one. The
  failing attempt that locks answers ``locked``; attempts while locked answer 429
  ``verification_locked`` and are not evaluated (not even a right answer). A success clears
  the failures of that chat and that ID.
* The chat's row is locked while an attempt is judged, so one chat cannot race past the limit.

A verified chat on a channel that reaches people only in a chat they started (Telegram) becomes
the bound debtors' chat on it (``backend.debtors.chats``): where their reminders go.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.conversations import links, repository
from backend.conversations.models import Conversation, VerificationFailure
from backend.conversations.service import BINDING, Chat, first_name
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.errors import DomainError
from backend.debtors import chats
from backend.debtors.models import Debtor
from shared.identity import IdentityError, normalize_id
from shared.schemas.conversations import IdentifyResult, NationalIdIdentify, TokenIdentify
from shared.schemas.enums import Channel

MAX_FAILURES = 3
FAILURE_WINDOW = timedelta(minutes=30)
LOCKOUT = timedelta(minutes=30)


class VerificationLocked(DomainError):
    status = 429
    code = "verification_locked"


def identify_by_token(
    session: Session, actor: Actor, chat: Chat, body: TokenIdentify
) -> IdentifyResult:
    """Bind the chat to the debtor a valid chat link names: ``failed`` for a bad link, or for
    one that another chat used first."""
    link = links.verify(body.token.strip(), get_settings().secret_key, utcnow())
    debtor = session.get(Debtor, link.debtor_id) if link else None
    if link is None or debtor is None:
        return IdentifyResult(status="failed")
    row = repository.get_or_create(session, chat.channel, chat.user_id)
    owner = repository.redeem_link(
        session, link.digest, chat.channel, chat.user_id, debtor.id, link.expires_at
    )
    if owner != (chat.channel, chat.user_id):
        audit.record(
            session,
            actor,
            "conversation.chat_link_refused",
            "conversation",
            row.id,
            after={"channel": chat.channel, "reason": "used_by_another_chat"},
        )
        return IdentifyResult(status="failed")
    return _bind(session, actor, row, [debtor], "chat_link")


def identify_by_national_id(
    session: Session, actor: Actor, chat: Chat, body: NationalIdIdentify
) -> IdentifyResult:
    now = utcnow()
    number = _normalise(body)
    key = id_key(number)
    row = repository.get_or_create(session, chat.channel, chat.user_id)
    if (until := locked_until(session, chat, key, now)) is not None:
        raise VerificationLocked(retry_after_seconds=_seconds(until - now))
    matched = _matching(session, number, body)
    if matched:
        repository.clear_failures(session, chat.channel, chat.user_id, key)
        return _bind(session, actor, row, matched, "national_id")
    session.add(VerificationFailure(channel=chat.channel, user_id=chat.user_id, id_key=key, at=now))
    session.flush()
    audit.record(
        session,
        actor,
        "conversation.verification_failed",
        "conversation",
        row.id,
        after={"channel": chat.channel},
    )
    if (until := locked_until(session, chat, key, now)) is not None:
        return IdentifyResult(status="locked", retry_after_seconds=_seconds(until - now))
    recent = max(
        len(repository.failures_of_chat(session, chat.channel, chat.user_id, now - FAILURE_WINDOW)),
        len(repository.failures_of_id(session, key, now - FAILURE_WINDOW)),
    )
    return IdentifyResult(status="failed", attempts_left=MAX_FAILURES - recent)


def locked_until(session: Session, chat: Chat, key: str, now: datetime) -> datetime | None:
    """When the chat's or the ID's lock ends, if either is locked now."""
    since = now - FAILURE_WINDOW - LOCKOUT
    ends = [
        _lock_end(times, now)
        for times in (
            repository.failures_of_chat(session, chat.channel, chat.user_id, since),
            repository.failures_of_id(session, key, since),
        )
    ]
    return max((end for end in ends if end is not None), default=None)


def _lock_end(newest_first: list[datetime], now: datetime) -> datetime | None:
    if len(newest_first) < MAX_FAILURES:
        return None
    last, first_of_run = newest_first[0], newest_first[MAX_FAILURES - 1]
    if last - first_of_run > FAILURE_WINDOW or now >= last + LOCKOUT:
        return None
    return last + LOCKOUT


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def _normalise(body: NationalIdIdentify) -> str:
    """The ID as stored: the document type's normal form when it has one, else upper case
    without separators (a malformed ID simply matches nobody)."""
    if body.id_type is not None:
        try:
            return normalize_id(body.id_type, body.id_number)
        except IdentityError:
            pass
    return re.sub(r"[\s.\-/]", "", body.id_number).upper()[:32]


def id_key(number: str) -> str:
    """A keyed hash of a national ID: failures are counted per ID without storing it."""
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, b"cobro:verification:v1:" + number.encode(), hashlib.sha256).hexdigest()


def _matching(session: Session, number: str, body: NationalIdIdentify) -> list[Debtor]:
    candidates = repository.debtors_by_id_number(
        session, number, body.id_type.value if body.id_type else None
    )
    if body.birth_date is not None:
        return [d for d in candidates if d.birth_date == body.birth_date]
    assert body.phone_last4 is not None  # the schema requires one factor
    with_phone = repository.phones_ending(session, [d.id for d in candidates], body.phone_last4)
    return [d for d in candidates if d.id in with_phone]


def _bind(
    session: Session, actor: Actor, row: Conversation, debtors: list[Debtor], via: str
) -> IdentifyResult:
    row.debtor_ids = [str(d.id) for d in debtors]
    row.bound_until = utcnow() + BINDING
    row.bound_via = via
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "conversation.verified",
        "conversation",
        row.id,
        after={"channel": row.channel, "via": via, "debtor_ids": row.debtor_ids},
    )
    if row.channel in chats.LINKED_CHANNELS and row.opted_out_at is None:
        for debtor in debtors:
            chats.link(session, actor, debtor, Channel(row.channel), row.user_id)
    return IdentifyResult(
        status="verified",
        first_name=first_name(debtors[0]),
        language=debtors[0].preferred_language,
    )
