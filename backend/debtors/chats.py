"""Debtors' linked chats, on the channels that reach a person only in a chat they started
(:data:`LINKED_CHANNELS`: Telegram, where a bot cannot write to a phone number).

* A chat verified for a debtor (``backend.conversations.verification``: a chat link or the
  national ID) becomes the debtor's chat on its channel, replacing an older one. A debtor opted
  out of the channel gets none.
* Reminders on the channel go to that chat (``backend.outbound.sending``), and the contact
  rules count the channel as reachable only for a debtor who has one
  (``backend.contact.repository.consent_facts``).
* The chat opting out ("BAJA" / "STOP") unlinks it from every debtor; a debtor opting out of
  the channel (in the chat, or on their file) loses their chat on it.
* A chat the platform refuses to deliver to (the person blocked the bot on Telegram; WhatsApp
  says the message is undeliverable) is unreachable (:func:`mark_unreachable`): a linked
  chat is unlinked, on other channels the debtor's channel is blocked
  (``debtor_channel_blocks``), which the contact rules count as unreachable, until the
  person writes on that chat again (:func:`mark_reachable`).

Every change is audited on the debtor (``debtor.chat_linked`` / ``debtor.chat_unlinked``,
``debtor.channel_unreachable`` / ``debtor.channel_reachable``).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.debtors import repository
from backend.debtors.models import Debtor
from shared.schemas.enums import Channel

LINKED_CHANNELS = frozenset({Channel.telegram})


def link(session: Session, actor: Actor, debtor: Debtor, channel: Channel, chat_id: str) -> bool:
    """Make ``chat_id`` the debtor's chat on ``channel``; False when nothing changed (it already
    was, the channel needs no link, or the debtor opted out of it)."""
    if channel not in LINKED_CHANNELS or channel.value in debtor.opt_outs:
        return False
    changed, previous = repository.put_chat(session, debtor.id, channel, chat_id)
    if changed:
        audit.record(
            session,
            actor,
            "debtor.chat_linked",
            "debtor",
            debtor.id,
            before={"channel": channel.value, "chat_id": previous} if previous else None,
            after={"channel": channel.value, "chat_id": chat_id},
        )
    return changed


def unlink(session: Session, actor: Actor, debtor_id: uuid.UUID, channel: Channel) -> bool:
    """The debtor no longer has a chat on ``channel`` (they opted out of it)."""
    chat_id = repository.drop_chat(session, debtor_id, channel)
    if chat_id is None:
        return False
    audit.record(
        session,
        actor,
        "debtor.chat_unlinked",
        "debtor",
        debtor_id,
        before={"channel": channel.value, "chat_id": chat_id},
    )
    return True


def linked_to(session: Session, channel: Channel, chat_id: str) -> list[uuid.UUID]:
    """The debtors whose chat on ``channel`` is ``chat_id``."""
    return repository.debtors_of_chat(session, channel, chat_id)


def chat_of(session: Session, debtor_id: uuid.UUID, channel: Channel) -> str | None:
    """The debtor's chat on ``channel`` (where a message to them goes), if they linked one."""
    found = repository.chat(session, debtor_id, channel)
    return found.chat_id if found else None


def mark_unreachable(
    session: Session,
    actor: Actor,
    debtor_id: uuid.UUID,
    channel: Channel,
    chat_id: str,
    reason: str,
) -> bool:
    """The platform refused to deliver to ``chat_id``, the debtor's chat on ``channel``: a
    linked chat is unlinked, any other channel is blocked for the debtor. False when nothing
    changed (another chat is linked, or it was already recorded)."""
    if channel in LINKED_CHANNELS:
        if chat_of(session, debtor_id, channel) != chat_id:
            return False
        repository.drop_chat(session, debtor_id, channel)
    elif not repository.put_block(session, debtor_id, channel, chat_id, reason):
        return False
    audit.record(
        session,
        actor,
        "debtor.channel_unreachable",
        "debtor",
        debtor_id,
        after={"channel": channel.value, "chat_id": chat_id, "reason": reason},
    )
    return True


def mark_reachable(
    session: Session, actor: Actor, debtor: Debtor, channel: Channel, chat_id: str
) -> bool:
    """The person wrote on ``chat_id`` again: the debtor's block of the channel through it
    goes (a linked channel's chat is linked again, unless the debtor opted out of it)."""
    if channel in LINKED_CHANNELS:
        changed = link(session, actor, debtor, channel, chat_id)
    else:
        changed = repository.drop_block(session, debtor.id, channel, chat_id)
    if changed:
        audit.record(
            session,
            actor,
            "debtor.channel_reachable",
            "debtor",
            debtor.id,
            after={"channel": channel.value, "chat_id": chat_id},
        )
    return changed
