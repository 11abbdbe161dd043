"""Webhooks to creditors' systems: payment received, promise made, kept or broken, plan
accepted, completed or broken.

The audit log is the announcement: every one of those changes already writes an audit event in
its own transaction, so nothing on the money path knows about webhooks. Once a minute a job
turns the new events of each endpoint's creditor and kinds into deliveries (``collect``: one
``INSERT ... SELECT`` per endpoint, deduplicated by a unique (endpoint, event) key, reading back
``COLLECT_OVERLAP`` before the last run so that a transaction that committed late is still
seen), then sends the due deliveries (``deliver_due``): claimed with a lease, posted with no
database connection held, signed (``signing``), and retried with growing delays until the
endpoint answers 2xx or ``BACKOFF`` is exhausted (``dead``; an admin can send it again). A
delivery keeps its id across retries: receivers deduplicate on ``Cobro-Event-Id``.
"""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core import leases
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.errors import NotFound, ValidationFailed
from backend.creditors.models import Creditor
from backend.integrations import repository, signing
from backend.integrations.models import WebhookDelivery, WebhookEndpoint
from shared.schemas.integrations import (
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)

COLLECT_OVERLAP = timedelta(minutes=15)
BATCH = 50
TIMEOUT_SECONDS = 10.0
# Long enough for a whole batch of endpoints that time out: never claimed twice while alive.
LEASE = timedelta(seconds=2 * BATCH * TIMEOUT_SECONDS)
# Delay before the next try after the n-th failure; after the last one the delivery is dead.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
    timedelta(hours=24),
)
# What of an audit event's ``after`` a creditor receives: amounts, dates and statuses, never a
# debtor's personal data or an agent's position.
PAYLOAD_FIELDS = (
    "amount_minor",
    "currency",
    "paid_on",
    "method",
    "provider",
    "receipt_number",
    "status",
    "due_date",
    "total_minor",
    "paid_minor",
    "discount_minor",
    "kind",
)
USER_AGENT = "Cobro-Webhooks/1"


class WebhookUrlRefused(ValidationFailed):
    code = "webhook_url_refused"


def get_endpoint(session: Session, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


def get_delivery(session: Session, delivery_id: uuid.UUID) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound()
    return delivery


def create_endpoint(
    session: Session, actor: Actor, creditor: Creditor, data: WebhookEndpointCreate
) -> WebhookEndpointWithSecret:
    endpoint = WebhookEndpoint(
        creditor_id=creditor.id,
        url=check_url(data.url),
        events=sorted(set(data.events)),
        description=data.description,
        collected_until=utcnow(),  # events from its creation on
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor,
        "webhook_endpoint.created",
        "webhook_endpoint",
        endpoint.id,
        after=audit.snapshot(endpoint),
    )
    return with_secret(endpoint)


def update_endpoint(
    session: Session, actor: Actor, endpoint: WebhookEndpoint, data: WebhookEndpointUpdate
) -> WebhookEndpoint:
    before = audit.snapshot(endpoint)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        changes["url"] = check_url(changes["url"])
    if "events" in changes:
        changes["events"] = sorted(set(changes["events"]))
    if changes.get("active") and not endpoint.active:
        changes["collected_until"] = utcnow()  # no backlog of what happened while disabled
    for name, value in changes.items():
        setattr(endpoint, name, value)
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor,
        "webhook_endpoint.updated",
        "webhook_endpoint",
        endpoint.id,
        before=before,
        after=audit.snapshot(endpoint),
    )
    return endpoint


def rotate_secret(
    session: Session, actor: Actor, endpoint: WebhookEndpoint
) -> WebhookEndpointWithSecret:
    """A new secret at once: requests from now on are signed with it only."""
    endpoint.secret_version += 1
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor,
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint",
        endpoint.id,
        after={"secret_version": endpoint.secret_version},
    )
    return with_secret(endpoint)


def retry_delivery(session: Session, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again at the next run (a dead one gets a fresh series of tries)."""
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    if before["status"] == "dead":
        delivery.attempts = 0
    session.add(delivery)
    session.flush()
    audit.record(
        session,
        actor,
        "webhook_delivery.retried",
        "webhook_delivery",
        delivery.id,
        before=before,
        after={"status": delivery.status},
    )
    return delivery


def with_secret(endpoint: WebhookEndpoint) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret.model_validate(
        {**endpoint.model_dump(), "secret": secret_of(endpoint)}
    )


def secret_of(endpoint: WebhookEndpoint) -> str:
    return signing.secret_of(get_settings().secret_key, endpoint.id, endpoint.secret_version)


def check_url(url: str) -> str:
    """An http(s) URL with a host; in production https only and never a loopback, private or
    link-local address (the server must not be a way into its own network), unless
    ``COBRO_WEBHOOKS_ALLOW_PRIVATE`` says so."""
    settings = get_settings()
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused("error.webhook_url_invalid")
    if parts.username or parts.password:
        raise WebhookUrlRefused("error.webhook_url_invalid")
    if settings.is_production:
        if parts.scheme != "https":
            raise WebhookUrlRefused("error.webhook_url_not_https")
        if not settings.webhooks_allow_private and _internal(parts.hostname):
            raise WebhookUrlRefused("error.webhook_url_internal")
    return parts.geturl()


def _internal(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


# -- the job -------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    collected: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def collect(session: Session, now: datetime) -> int:
    """New deliveries for every active endpoint (see the module docstring)."""
    added = 0
    for endpoint in repository.active_endpoints(session):
        since = max(endpoint.collected_until - COLLECT_OVERLAP, endpoint.created_at)
        added += repository.collect(session, endpoint, since, now)
        endpoint.collected_until = now
        session.add(endpoint)
    session.flush()
    return added


@dataclass(frozen=True)
class _Request:
    delivery_id: uuid.UUID
    url: str
    secret: str
    body: bytes


def deliver_due(
    client: httpx.Client, *, limit: int = BATCH, engine: Engine | None = None
) -> DeliveryReport:
    """Claim up to ``limit`` due deliveries, post them, record the outcomes."""
    report = DeliveryReport()
    now = utcnow()
    with session_scope(engine) as session:
        ids = leases.claim_due(session, WebhookDelivery, now, now + LEASE, limit)
        requests = [
            _Request(delivery.id, endpoint.url, secret_of(endpoint), body(delivery, event, account))
            for delivery, endpoint, event, account in repository.deliveries_with_events(
                session, ids
            )
        ]
    outcomes = [(request.delivery_id, *_post(client, request)) for request in requests]
    with session_scope(engine) as session:
        for delivery_id, status_code, error in outcomes:
            _record(session, delivery_id, status_code, error, report)
    return report


def body(delivery: WebhookDelivery, event: AuditEvent, account: Account) -> bytes:
    after = event.after or {}
    payload: dict[str, Any] = {
        "id": str(delivery.id),
        "type": delivery.event_type,
        "created_at": event.at.isoformat(),
        "data": {
            "account": {
                "id": str(account.id),
                "external_ref": account.external_ref,
                "portfolio_id": str(account.portfolio_id),
            },
            "object": {
                "type": event.entity_type,
                "id": event.entity_id,
                **{name: after[name] for name in PAYLOAD_FIELDS if name in after},
            },
        },
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def _post(client: httpx.Client, request: _Request) -> tuple[int | None, str | None]:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Cobro-Event-Id": str(request.delivery_id),
        signing.HEADER: signing.signature(request.secret, timestamp, request.body),
    }
    try:
        response = client.post(request.url, content=request.body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def _record(
    session: Session,
    delivery_id: uuid.UUID,
    status_code: int | None,
    error: str | None,
    report: DeliveryReport,
) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "sending":
        return  # an admin retried it meanwhile: their state stands
    now = utcnow()
    values: dict[str, Any] = {"attempts": delivery.attempts + 1, "last_status_code": status_code}
    if error is None:
        values.update(status="delivered", delivered_at=now, last_error=None)
        report.delivered += 1
    elif delivery.attempts < len(BACKOFF):
        values.update(
            status="pending", next_attempt_at=now + BACKOFF[delivery.attempts], last_error=error
        )
        report.retried += 1
    else:
        values.update(status="dead", last_error=error)
        report.dead += 1
        report.errors.append(f"{delivery_id}: {error}")
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id, WebhookDelivery.status == "sending")
        .values(**values)
    )
