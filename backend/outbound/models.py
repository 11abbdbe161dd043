from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import (
    created_at_field,
    enum_field,
    id_field,
    json_field,
    updated_at_field,
)
from shared.schemas.enums import Language


class MessageTemplate(SQLModel, table=True):
    """A portfolio's message in one language: Jinja2 text over ``templates.VARIABLES``, an
    e-mail subject, and the approved WhatsApp template (with the variables its parameters
    take, in order) used outside the 24-hour window. ``version`` counts the edits."""

    __tablename__ = "message_templates"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "name", "language", name="uq_message_template"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    name: str = Field(max_length=60)
    language: Language = enum_field(Language)
    subject: str | None = Field(default=None, max_length=200)
    body: str = Field(max_length=2000)
    whatsapp_name: str | None = Field(default=None, max_length=120)
    whatsapp_params: list[str] = json_field(list)
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Strategy(SQLModel, table=True):
    """One version of a portfolio's reminder strategy (``StrategyDefinition`` as JSON). Saving
    a change adds a version; accounts keep the version they started with."""

    __tablename__ = "strategies"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "name", "version", name="uq_strategy_version"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    name: str = Field(max_length=60)
    version: int
    definition: dict[str, Any] = json_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()


class StrategyEnrolment(SQLModel, table=True):
    """The strategy version an account follows: the one it started with, until it leaves."""

    __tablename__ = "strategy_enrolments"

    account_id: uuid.UUID = Field(foreign_key="accounts.id", primary_key=True)
    strategy_id: uuid.UUID = Field(foreign_key="strategies.id", index=True)
    enrolled_at: datetime = created_at_field()


class OutboundPause(SQLModel, table=True):
    """Reminders stopped for a whole portfolio (``scope`` ``portfolio:<id>``) or one account
    (``account:<id>``) until resumed (the row is removed; the audit keeps both)."""

    __tablename__ = "outbound_pauses"
    __table_args__ = (UniqueConstraint("scope", name="uq_outbound_pause_scope"),)

    id: uuid.UUID = id_field()
    scope: str = Field(max_length=80)
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    account_id: uuid.UUID | None = Field(default=None, foreign_key="accounts.id")
    paused_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()


class OutboxMessage(SQLModel, table=True):
    """A message that would have been sent on a channel with no provider configured (the
    ``make run`` default): what, to whom, and when, for a person to read."""

    __tablename__ = "outbox_messages"

    id: uuid.UUID = id_field()
    attempt_id: uuid.UUID = Field(foreign_key="contact_attempts.id", unique=True)
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=254)
    subject: str | None = Field(default=None, max_length=200)
    text: str = Field(max_length=4000)
    whatsapp_template: str | None = Field(default=None, max_length=120)
    created_at: datetime = created_at_field()
