from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, enum_field, id_field, json_field
from shared.schemas.enums import LinkPurpose, LinkStatus, PaymentMethod


class PaymentLink(SQLModel, table=True):
    """A request to pay an exact amount, served by a provider at a public, unguessable URL."""

    __tablename__ = "payment_links"

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    purpose: LinkPurpose = enum_field(LinkPurpose)
    plan_id: uuid.UUID | None = Field(default=None, foreign_key="plans.id")
    instalment_id: uuid.UUID | None = Field(default=None, foreign_key="plan_instalments.id")
    promise_id: uuid.UUID | None = Field(default=None, foreign_key="promises.id")
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    provider: str = Field(max_length=20)
    provider_reference: str | None = Field(default=None, max_length=255, index=True)
    url: str | None = Field(default=None, max_length=1000)
    token: str = Field(max_length=64, unique=True)
    status: LinkStatus = enum_field(LinkStatus, LinkStatus.open, index=True)
    created_by_kind: str = Field(max_length=20)  # agent | bot | reminder | supervisor | admin
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    client_key: str | None = Field(default=None, max_length=120, unique=True)
    expires_at: datetime = datetime_field(nullable=False)
    paid_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()


class Payment(SQLModel, table=True):
    """Money received, once: the ledger entry it booked, where it came from, what it was for.
    ``client_id`` (field payments) and ``external_id`` (provider or statement reference) are
    unique, so a retried submission or webhook books nothing twice."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("agent_id", "receipt_number", name="uq_payment_receipt_per_agent"),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    ledger_entry_id: uuid.UUID = Field(foreign_key="ledger_entries.id", unique=True)
    link_id: uuid.UUID | None = Field(default=None, foreign_key="payment_links.id", index=True)
    instalment_id: uuid.UUID | None = Field(default=None, foreign_key="plan_instalments.id")
    promise_id: uuid.UUID | None = Field(default=None, foreign_key="promises.id")
    method: PaymentMethod = enum_field(PaymentMethod)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    paid_on: date = Field(index=True)
    provider: str | None = Field(default=None, max_length=20)
    provider_reference: str | None = Field(default=None, max_length=255, index=True)
    external_id: str | None = Field(default=None, max_length=255, unique=True)
    client_id: str | None = Field(default=None, max_length=64, unique=True)
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    receipt_number: str | None = Field(default=None, max_length=40)
    verification_code: str | None = Field(default=None, max_length=16, unique=True)
    photo_ref: str | None = Field(default=None, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    details: dict[str, Any] = json_field()
    created_at: datetime = created_at_field()


class ProviderEvent(SQLModel, table=True):
    """Webhook inbox: one row per (provider, event id); a duplicate dies on the constraint."""

    __tablename__ = "provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_provider_event"),)

    id: uuid.UUID = id_field()
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=255)
    type: str = Field(max_length=80)
    reference: str | None = Field(default=None, max_length=255, index=True)
    payload: dict[str, Any] = json_field()
    outcome: str = Field(default="received", max_length=40)  # processed | ignored | deferred
    received_at: datetime = created_at_field()
    processed_at: datetime | None = datetime_field()
