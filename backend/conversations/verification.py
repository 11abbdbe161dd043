"""Binding a chat to debtors: by signed chat link, or by national ID plus a second factor.

Rules of the chat-link path: a link is single-use and bound to the first chat that uses it. Its
first use records the chat under the link's identity (a unique key); that chat may use it again
until it expires (a second tap, a redelivered webhook: verified again, nothing new recorded),
any other chat answers ``failed`` (audited as ``conversation.chat_link_refused``) and is asked
to verify by ID, as for a forged or expired link.

Rules of the national-ID path:

* The second factor is the last four digits of a phone on file or the date of birth; a phone
  number alone (the chat's own WhatsApp number, say) is never proof: numbers get recycled. A
  WhatsApp chat writing from a phone on file of the ID's debtor needs no second factor: the ID
  is the one factor asked (the chat holds the phone); any other chat that gives no factor is
  told ``factor_required`` (nothing counted, nothing revealed).
* It binds every debtor with that national ID (across portfolios) whose factor matches.
* A wrong answer answers ``failed`` whatever was wrong: the answer never tells whether the ID
  exists. Lockouts are per chat with growing delays, never per ID (:mod:`lockout`): too many
  failures for one ID across chats alert a supervisor instead. The failing attempt that locks
  answers ``locked``; attempts while locked answer 429 ``verification_locked`` and are not
  evaluated (not even a right answer). A success clears the chat's failures.
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

from backend.aging import OPEN_STATUSES
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.auth import throttle
from backend.auth.errors import TooManyAttempts
from backend.conversations import links, lockout, repository
from backend.conversations.models import Conversation, VerificationFailure
from backend.conversations.service import BINDING, Chat, first_name
from backend.core.clock import today_in, utcnow
from backend.core.config import get_settings
from backend.core.errors import DomainError
from backend.debtors import chats
from backend.debtors.models import Debtor
from backend.tasks import service as tasks
from shared.identity import IdentityError, normalize_id
from shared.schemas.conversations import IdentifyResult, NationalIdIdentify, TokenIdentify
from shared.schemas.enums import Channel, TaskKind

HOUR = timedelta(hours=1)


class VerificationLocked(DomainError):
    status = 429
    code = "verification_locked"


def identify_by_token(
    session: Session, actor: Actor, chat: Chat, body: TokenIdentify
) -> IdentifyResult:
    """Bind the chat to the debtor a valid chat link names: ``failed`` for a bad link, for one
    that another chat used first, and for a debtor erased since the link was sent (erasure
    ends every link; nothing would be left to show but the debt's bookkeeping)."""
    link = links.verify(body.token.strip(), get_settings().secret_key, utcnow())
    debtor = session.get(Debtor, link.debtor_id) if link else None
    if link is None or debtor is None or debtor.erased_at is not None:
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
    if (until := lockout.chat_locked_until(session, chat.channel, chat.user_id, now)) is not None:
        raise VerificationLocked(retry_after_seconds=_seconds(until - now))
    portal = chat.channel in lockout.DOCUMENT_LOCKED_CHANNELS
    if portal and (until := lockout.document_locked_until(session, key, now)) is not None:
        raise VerificationLocked(retry_after_seconds=_seconds(until - now))
    address = _count_address(session, body, now)
    if not body.has_factor:
        by_phone = _by_chat_phone(session, chat, number, body)
        if by_phone:
            repository.clear_chat_failures(session, chat.channel, chat.user_id)
            return _bind(session, actor, row, by_phone, "national_id_phone")
        return IdentifyResult(status="factor_required")
    matched = _matching(session, number, body)
    if matched:
        repository.clear_chat_failures(session, chat.channel, chat.user_id)
        if address is not None:
            throttle.give_back(session, address, get_settings().portal_free_attempts_address, now)
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
    if lockout.document_alert_due(session, key, now):
        _alert_supervisors(session, actor, number, body, key, now)
    failures = lockout.chat_failures(session, chat.channel, chat.user_id, now)
    ends = [lockout.lock_end(failures, now)]
    if portal:
        ends.append(lockout.document_locked_until(session, key, now))
    if until := max((end for end in ends if end is not None), default=None):
        return IdentifyResult(status="locked", retry_after_seconds=_seconds(until - now))
    return IdentifyResult(status="failed", attempts_left=lockout.attempts_left(failures))


def _count_address(session: Session, body: NationalIdIdentify, now: datetime) -> str | None:
    """Count the attempt against the client address the portal sent (the login's throttle:
    growing delays shared through the database); its key, or None when no address came."""
    if body.client_address is None:
        return None
    key = throttle.portal_address_key(body.client_address)
    try:
        throttle.count(session, {key: get_settings().portal_free_attempts_address}, now)
    except TooManyAttempts as exc:
        raise VerificationLocked(**exc.params) from None
    return key


def _by_chat_phone(
    session: Session, chat: Chat, number: str, body: NationalIdIdentify
) -> list[Debtor]:
    """The ID's debtors with the WhatsApp chat's own phone on file (none on other channels, or
    for a chat WhatsApp names by a business-scoped id instead of the phone)."""
    if chat.channel != Channel.whatsapp.value or not chat.user_id.isdigit():
        return []
    candidates = repository.debtors_by_id_number(
        session, number, body.id_type.value if body.id_type else None
    )
    holding = repository.phone_holders(session, [d.id for d in candidates], f"+{chat.user_id}")
    return [d for d in candidates if d.id in holding]


def _alert_supervisors(
    session: Session,
    actor: Actor,
    number: str,
    body: NationalIdIdentify,
    key: str,
    now: datetime,
) -> None:
    """Many wrong answers for one ID from any chats: a task for the supervisor of each of its
    debtors' open accounts (deduplicated per ID and day); the ID stays usable by its owner."""
    candidates = repository.debtors_by_id_number(
        session, number, body.id_type.value if body.id_type else None
    )
    targets = repository.accounts_of(session, [d.id for d in candidates], OPEN_STATUSES)
    for account, portfolio, _ in targets:
        tasks.open_task(
            session,
            actor,
            account,
            TaskKind.verification_alert,
            today_in(portfolio.timezone),
            {"failures": lockout.DOCUMENT_ALERT, "within_hours": lockout.COUNTED // HOUR},
            dedupe_key=f"verify-alert:{account.id}:{key[:24]}:{now.date().isoformat()}",
        )


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
