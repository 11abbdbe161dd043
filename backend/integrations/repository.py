"""Queries of the integrations domain: endpoints, collecting events into deliveries, claiming
due deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.core.pagination import keyset
from backend.core.sqlbuild import new_id
from backend.creditors.models import Portfolio
from backend.integrations.models import WebhookDelivery, WebhookEndpoint


def endpoints_page(
    session: Session, creditor_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.creditor_id == creditor_id)
    return keyset(session, query, col(WebhookEndpoint.id), after, limit)


def deliveries_page(
    session: Session, endpoint_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    return keyset(session, query, col(WebhookDelivery.id), after, limit, newest_first=True)


def active_endpoints(session: Session) -> list[WebhookEndpoint]:
    query = (
        select(WebhookEndpoint).where(col(WebhookEndpoint.active)).order_by(col(WebhookEndpoint.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # one collector per endpoint at a time
    return list(session.execute(query).scalars())


def collect(session: Session, endpoint: WebhookEndpoint, since: datetime, now: datetime) -> int:
    """One delivery per audit event of the endpoint's creditor and subscribed kinds from
    ``since`` on, in one ``INSERT ... SELECT``; events already collected are skipped by the
    unique (endpoint, event) constraint. Returns how many were added."""
    events = (
        select(
            new_id().label("id"),
            literal(endpoint.id).label("endpoint_id"),
            col(AuditEvent.id).label("audit_event_id"),
            col(AuditEvent.action).label("event_type"),
            literal("pending").label("status"),
            literal(0).label("attempts"),
            literal(now, type_=WebhookDelivery.__table__.c.next_attempt_at.type).label(
                "next_attempt_at"
            ),
            literal(now, type_=WebhookDelivery.__table__.c.created_at.type).label("created_at"),
        )
        .join(Account, col(Account.id) == col(AuditEvent.account_id))
        .join(Portfolio, col(Portfolio.id) == col(Account.portfolio_id))
        .where(
            col(AuditEvent.action).in_(endpoint.events),
            col(AuditEvent.at) >= since,
            col(AuditEvent.at) <= now,
            col(Portfolio.creditor_id) == endpoint.creditor_id,
        )
        .order_by(col(AuditEvent.id))
    )
    names = [c.name for c in events.selected_columns]
    dialect = session.get_bind().dialect.name
    statement: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(
        WebhookDelivery.__table__
    ).from_select(names, events)
    statement = statement.on_conflict_do_nothing(
        index_elements=["endpoint_id", "audit_event_id"]
    ).returning(WebhookDelivery.__table__.c.id)
    return len(session.execute(statement).all())


def deliveries_with_events(
    session: Session, ids: Collection[uuid.UUID]
) -> list[tuple[WebhookDelivery, WebhookEndpoint, AuditEvent, Account]]:
    query = (
        select(WebhookDelivery, WebhookEndpoint, AuditEvent, Account)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .join(AuditEvent, col(AuditEvent.id) == col(WebhookDelivery.audit_event_id))
        .join(Account, col(Account.id) == col(AuditEvent.account_id))
        .where(col(WebhookDelivery.id).in_(ids))
        .order_by(col(WebhookDelivery.id))
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]
