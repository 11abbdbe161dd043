"""Bindings taken back: a chat bound to a debtor whose verification factors staff changed (the
phones or birth date it answered with) must verify again (``backend.debtors.factors``).

One statement whatever the number of debtors (an import unbinds the debtors of a whole chunk):
the chats bound now to any of them lose the whole binding (a chat bound to several debtors of
one national ID re-verifies for all), and each chat unbound gets an audit event."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import ColumnElement, String, any_, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.conversations.models import Conversation
from backend.core.clock import utcnow


def _names_any(session: Session, ids: list[str]) -> ColumnElement[bool]:
    """``Conversation.debtor_ids`` (a JSON list of id strings) holds one of ``ids``."""
    if session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(Conversation.debtor_ids).table_valued("value")
        wanted = any_(bindparam(None, ids, type_=ARRAY(String())))
        return exists(select(1).select_from(elements).where(elements.c.value == wanted))
    elements = func.json_each(Conversation.debtor_ids).table_valued("value")
    return exists(select(1).select_from(elements).where(elements.c.value.in_(ids)))


def unbind_debtors(
    session: Session, actor: Actor, debtor_ids: Collection[uuid.UUID], reason: str
) -> int:
    """Unbind every chat bound now to one of ``debtor_ids``; the number of chats unbound."""
    if not debtor_ids:
        return 0
    ids = sorted(str(i) for i in debtor_ids)
    now = utcnow()
    statement = (
        update(Conversation)
        .where(Conversation.bound_until > now, _names_any(session, ids))  # type: ignore[operator]
        .values(debtor_ids=[], bound_until=None, bound_via=None, updated_at=now)
        .returning(Conversation.id, Conversation.channel)
    )
    unbound = session.execute(statement, execution_options={"synchronize_session": False}).all()
    audit.record_many(
        session,
        [
            audit.event_row(
                actor,
                "conversation.unbound",
                "conversation",
                chat_id,
                after={"channel": channel, "reason": reason},
                at=now,
            )
            for chat_id, channel in unbound
        ],
    )
    return len(unbound)
