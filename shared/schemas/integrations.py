"""API shapes of creditors' webhook endpoints (``/api/v1/creditors/{id}/webhook-endpoints``,
``/api/v1/webhook-endpoints/...``) and their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

WebhookEventType = Literal[
    "payment.received",
    "payment.refunded",
    "promise.created",
    "promise.kept",
    "promise.partially_kept",
    "promise.broken",
    "plan.accepted",
    "plan.completed",
    "plan.broken",
]
DeliveryStatus = Literal["pending", "sending", "delivered", "dead"]


class WebhookEndpointCreate(BaseModel):
    url: str = Field(min_length=8, max_length=500, description="http(s) URL; https in production")
    events: list[WebhookEventType] = Field(min_length=1, max_length=20)
    description: str | None = Field(default=None, max_length=200)


class WebhookEndpointUpdate(BaseModel):
    url: str | None = Field(default=None, min_length=8, max_length=500)
    events: list[WebhookEventType] | None = Field(default=None, min_length=1, max_length=20)
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class WebhookEndpointRead(BaseModel):
    id: uuid.UUID
    creditor_id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    active: bool
    secret_version: int
    created_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointRead):
    """Answered on creation and rotation only: the secret that signs the endpoint's requests."""

    secret: str


class WebhookDeliveryRead(BaseModel):
    id: uuid.UUID = Field(description="The event id the receiver sees (Cobro-Event-Id)")
    endpoint_id: uuid.UUID
    audit_event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
