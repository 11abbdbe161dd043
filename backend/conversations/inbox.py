"""The bots' inbox: each message answered once, and a reply that could not be sent sent again.

``take`` claims a message id (``repository.claim_message``): a duplicate answers nothing; a
message whose earlier reply could not be sent comes back with that stored reply, to be sent
again as is; otherwise the chat's state comes with the claim for the turn to run. Being heard
from makes a chat the platform had refused to deliver to reachable again
(``reachability.heard_from``).
"""

from __future__ import annotations

from sqlmodel import Session

from backend.audit.service import Actor
from backend.conversations import reachability, repository, service
from backend.conversations.service import Chat
from shared.schemas.conversations import BotMessage, InboxResult, InboxSettle


def take(session: Session, actor: Actor, chat: Chat, message_id: str) -> InboxResult:
    claimed = service.claim(session, chat, message_id)
    if not claimed.taken:
        return InboxResult(duplicate=True)
    row = repository.conversation(session, chat.channel, chat.user_id)
    reachability.heard_from(session, actor, chat, row)
    reply = (
        [BotMessage.model_validate(message) for message in claimed.reply]
        if claimed.reply is not None
        else None
    )
    return InboxResult(duplicate=False, state=service.read_row(session, chat, row), reply=reply)


def settle(session: Session, chat: Chat, body: InboxSettle) -> None:
    reply = [m.model_dump(mode="json") for m in body.reply] if body.reply is not None else None
    service.settle(session, chat, body.message_id, body.delivered, body.state, reply)
