"""The webhook endpoint or delivery a path names, loaded in the endpoint's unit of work; 404
when missing. Only admins reach these routes (the endpoint's role)."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.core.guards import guard
from backend.integrations import service
from backend.integrations.models import WebhookDelivery, WebhookEndpoint


def _endpoint(session: Session, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    return service.get_endpoint(session, endpoint_id)


def _delivery(session: Session, delivery_id: uuid.UUID) -> WebhookDelivery:
    return service.get_delivery(session, delivery_id)


KnownEndpoint = Annotated[WebhookEndpoint, guard(_endpoint)]
KnownDelivery = Annotated[WebhookDelivery, guard(_delivery)]
