"""Creditors' webhook endpoints and the log of what was delivered to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, id_field, json_field
from backend.core.db import UTCDateTime


class WebhookEndpoint(SQLModel, table=True):
    """A creditor's URL that receives the events it subscribed to, signed with its secret.

    The secret is not stored: it is derived from the server's secret key, the endpoint's id and
    ``secret_version`` (``signing.secret_of``); rotating it bumps the version."""

    __tablename__ = "webhook_endpoints"

    id: uuid.UUID = id_field()
    creditor_id: uuid.UUID = Field(foreign_key="creditors.id", index=True)
    url: str = Field(max_length=500)
    events: list[str] = json_field(list)
    description: str | None = Field(default=None, max_length=200)
    active: bool = True
    secret_version: int = 1
    # Audit events up to this instant were turned into deliveries (less ``COLLECT_OVERLAP``).
    collected_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = created_at_field()


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: delivered at least once until the endpoint answers 2xx.

    ``id`` is the event id the receiver sees (header ``Cobro-Event-Id``): the same on every
    retry, so a receiver deduplicates on it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "audit_event_id", name="uq_webhook_delivery_event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: uuid.UUID = id_field()
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoints.id")
    audit_event_id: uuid.UUID = Field(foreign_key="audit_events.id")
    event_type: str = Field(max_length=60)
    status: str = Field(default="pending", max_length=20)  # pending | sending | delivered | dead
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = created_at_field()
