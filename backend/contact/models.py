from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import (
    created_at_field,
    datetime_field,
    enum_field,
    id_field,
    updated_at_field,
)
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Channel


class ContactAttempt(SQLModel, table=True):
    """One contact with a debtor, made, planned or held back, and the rule that decided it.

    The log is kept for years (Chile asks for two): rows are never deleted; a planned contact
    moves forward (sent, delivered, read, or failed) and every other fact is in its own row.
    ``key`` makes recording idempotent (a visit's client id, a reminder step's occurrence).
    """

    __tablename__ = "contact_attempts"
    __table_args__ = (
        UniqueConstraint("key", name="uq_contact_attempt_key"),
        Index("ix_contact_attempts_debtor_at", "debtor_id", "at"),
        Index("ix_contact_attempts_account_at", "account_id", "at"),
        Index("ix_contact_attempts_due", "status", "at"),
        Index("ix_contact_attempts_updated_at", "updated_at"),
    )

    id: uuid.UUID = id_field()
    key: str = Field(max_length=200)
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")
    account_id: uuid.UUID | None = Field(default=None, foreign_key="accounts.id")
    channel: Channel = enum_field(Channel)
    source: str = Field(max_length=20)
    # When the contact happened or is planned; for one held back, when it was asked for.
    at: datetime = datetime_field(nullable=False)
    status: AttemptStatus = enum_field(AttemptStatus)
    # The rule that deferred or refused it, or that a contact already made broke.
    rule: str | None = Field(default=None, max_length=40)
    until: datetime | None = datetime_field()
    outcome: str | None = Field(default=None, max_length=40)
    # For reminders: the strategy version and step that asked for it.
    strategy_id: uuid.UUID | None = None  # not a foreign key: the contact domain comes first
    step: str | None = Field(default=None, max_length=40)
    # Sending: the provider's id for the message, how many sends were answered, and when the
    # message was last handed to the provider (set before the call: a worker that died before
    # the answer may have sent it).
    provider_ref: str | None = Field(default=None, max_length=120, index=True)
    tries: int = 0
    handed_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    # Any change (a delivery report, a failure): the daily KPI facts look for late ones.
    updated_at: datetime = updated_at_field()
