from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import (
    created_at_field,
    datetime_field,
    enum_field,
    id_field,
    json_field,
    updated_at_field,
)
from shared.schemas.enums import Language


class Conversation(SQLModel, table=True):
    """One chat (a channel and the channel's id for a person): where the bot left it
    (``step``, ``data``, idle-expiring at ``expires_at``), which debtors it is bound to
    (``debtor_ids`` until ``bound_until``) and whether the person opted out of it."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_conversation_chat"),)

    id: uuid.UUID = id_field()
    channel: str = Field(max_length=20)
    user_id: str = Field(max_length=64)
    language: Language | None = enum_field(Language, None)
    step: str = Field(default="start", max_length=40)
    data: dict[str, Any] = json_field()
    expires_at: datetime | None = datetime_field()
    debtor_ids: list[str] = json_field(list)
    bound_until: datetime | None = datetime_field()
    bound_via: str | None = Field(default=None, max_length=20)  # chat_link | national_id
    opted_out_at: datetime | None = datetime_field()
    # The platform refused to deliver to this chat (bot blocked, undeliverable): cleared by the
    # person's next message (``backend.conversations.reachability``).
    unreachable_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class InboxMessage(SQLModel, table=True):
    """Messages taken by a bot worker. A claim is settled once the reply was delivered
    (``done_at``). When sending failed the reply that could not be sent is kept (``reply``,
    ``released_at``): the channel's redelivery sends that same reply again instead of running
    the turn twice; a turn that failed before it had a reply releases the claim (the row goes).
    A claim left unsettled (the worker died) can be taken again after ``STALE_CLAIM``."""

    __tablename__ = "bot_inbox"
    __table_args__ = (
        UniqueConstraint("channel", "user_id", "message_id", name="uq_bot_inbox_message"),
    )

    id: uuid.UUID = id_field()
    channel: str = Field(max_length=20)
    user_id: str = Field(max_length=64)
    message_id: str = Field(max_length=128)
    received_at: datetime = created_at_field()
    done_at: datetime | None = datetime_field()
    reply: list[dict[str, Any]] | None = json_field(lambda: None, nullable=True)
    released_at: datetime | None = datetime_field()


class VerificationFailure(SQLModel, table=True):
    """A wrong national-ID verification, counted per chat and per national ID (``id_key`` is a
    keyed hash of the normalised number, so the table holds no identity numbers)."""

    __tablename__ = "verification_failures"
    __table_args__ = (
        Index("ix_verification_failures_chat", "channel", "user_id", "at"),
        Index("ix_verification_failures_id_key", "id_key", "at"),
    )

    id: uuid.UUID = id_field()
    channel: str = Field(max_length=20)
    user_id: str = Field(max_length=64)
    id_key: str = Field(max_length=64)
    at: datetime = created_at_field()


class ChatLinkRedemption(SQLModel, table=True):
    """The first chat that used a chat link, under the link's identity (``digest``, SHA-256 of
    its signed body): that chat owns the link until it expires, any other chat is refused. Kept
    until ``expires_at`` (an expired link verifies for nobody anyway)."""

    __tablename__ = "chat_link_redemptions"
    __table_args__ = (UniqueConstraint("digest", name="uq_chat_link_redemption"),)

    id: uuid.UUID = id_field()
    digest: str = Field(max_length=64)
    channel: str = Field(max_length=20)
    user_id: str = Field(max_length=64)
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")
    expires_at: datetime = datetime_field(nullable=False, index=True)
    redeemed_at: datetime = created_at_field()


class PaymentNotice(SQLModel, table=True):
    """The confirmation of one payment received, pushed to the debtor's chat
    (``backend.conversations.notices``): where it went (``channel``, ``recipient``), what it
    said (``text``, or the WhatsApp ``template`` outside the 24-hour window) and how sending it
    went. ``event_at`` is the payment's audit event: the next collection starts from the newest.
    ``status``: pending | sending (until ``next_attempt_at``, the sender's lease) | sent |
    outbox (no provider configured) | skipped (``reason``: no chat...) | failed."""

    __tablename__ = "payment_notices"
    __table_args__ = (Index("ix_payment_notices_due", "status", "next_attempt_at"),)

    id: uuid.UUID = id_field()
    payment_id: uuid.UUID = Field(foreign_key="payments.id", unique=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    event_at: datetime = datetime_field(nullable=False, index=True)
    status: str = Field(default="pending", max_length=12)
    reason: str | None = Field(default=None, max_length=40)
    channel: str | None = Field(default=None, max_length=20)
    recipient: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, max_length=2000)
    template: str | None = Field(default=None, max_length=120)
    provider_ref: str | None = Field(default=None, max_length=120)
    attempts: int = 0
    next_attempt_at: datetime = datetime_field(nullable=False)
    created_at: datetime = created_at_field()
