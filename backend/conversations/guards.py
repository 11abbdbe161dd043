"""What a bot path names, loaded and checked in the endpoint's unit of work
(``backend.core.guards``): the chat (``/bot/{channel}/{user_id}``, the channel's id for the
person, not a stored row) and, through that chat's verified binding, the debtor's own accounts
and offers. An unbound chat answers 403 ``verification_required``; anyone else's account or
offer 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import Session

from backend.conversations import service
from backend.conversations.service import BoundAccount, Chat
from backend.core.guards import guard
from backend.plans.models import Offer
from shared.schemas.conversations import USER_ID_PATTERN, ChatChannel


async def chat_of(
    channel: ChatChannel,
    user_id: Annotated[str, Path(pattern=USER_ID_PATTERN, description="the channel's person id")],
) -> Chat:
    return Chat(channel, user_id)


ChatDep = Annotated[Chat, Depends(chat_of)]


def _chat_account(session: Session, chat: ChatDep, account_id: uuid.UUID) -> BoundAccount:
    return service.bound_account(session, chat, account_id)


def _chat_offer(session: Session, chat: ChatDep, offer_id: uuid.UUID) -> Offer:
    return service.bound_offer(session, chat, offer_id)


ChatAccount = Annotated[BoundAccount, guard(_chat_account)]
ChatOffer = Annotated[Offer, guard(_chat_offer)]
