"""Chats the platforms refuse to deliver to, and chats heard from again.

The bots report a refusal (``POST /bot/{channel}/{user_id}/unreachable``) instead of failing the
webhook, so Telegram and Meta do not redeliver what can never be answered:

* ``blocked`` (Telegram 403 "bot was blocked by the user") and ``undeliverable`` (WhatsApp
  131026): the chat is marked unreachable, and so is the channel of every debtor it reaches
  (bound to it, linked to it on Telegram, or with its WhatsApp phone on file): Telegram loses the
  linked chat, WhatsApp is blocked for the debtor (``backend.debtors.chats.mark_unreachable``).
  Reminders then stop planning the channel for them.
* ``window_closed`` (WhatsApp 131047, the 24-hour window had closed): only the chat is marked;
  templates still reach the debtor.

The person's next message on the chat (its claim in the inbox) undoes it: the chat and its
debtors' channel are reachable again.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.conversations import repository
from backend.conversations.models import Conversation
from backend.conversations.service import (
    CONTACT_CHANNELS,
    Chat,
    bound_ids,
    chat_debtors,
)
from backend.core.clock import utcnow
from backend.debtors import chats
from backend.debtors.models import Debtor
from shared.schemas.conversations import UnreachableReport, UnreachableResult


def report(
    session: Session, actor: Actor, chat: Chat, body: UnreachableReport
) -> UnreachableResult:
    row = repository.get_or_create(session, chat.channel, chat.user_id)
    if row.unreachable_at is None:
        row.unreachable_at = utcnow()
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "conversation.unreachable",
            "conversation",
            row.id,
            after={"channel": chat.channel, "reason": body.reason, "detail": body.detail},
        )
    contact = CONTACT_CHANNELS.get(chat.channel)
    if contact is None or body.reason == "window_closed":
        return UnreachableResult(debtors=0)
    changed = sum(
        chats.mark_unreachable(session, actor, debtor_id, contact, chat.user_id, body.reason)
        for debtor_id in _reached(session, chat, row)
    )
    return UnreachableResult(debtors=changed)


def heard_from(session: Session, actor: Actor, chat: Chat, row: Conversation | None) -> None:
    """The person wrote on the chat: if it was unreachable, it (and its debtors' channel) is
    reachable again."""
    if row is None or row.unreachable_at is None:
        return
    row.unreachable_at = None
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "conversation.reachable",
        "conversation",
        row.id,
        after={"channel": chat.channel},
    )
    contact = CONTACT_CHANNELS.get(chat.channel)
    if contact is None or row.opted_out_at is not None:
        return
    for debtor_id in _reached(session, chat, row):
        debtor = session.get(Debtor, debtor_id)
        if debtor is not None:
            chats.mark_reachable(session, actor, debtor, contact, chat.user_id)


def _reached(session: Session, chat: Chat, row: Conversation) -> list[uuid.UUID]:
    ids = bound_ids(row, utcnow())
    return ids + [i for i in chat_debtors(session, chat) if i not in ids]
