from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.core.pagination import keyset


def page(
    session: Session,
    *,
    after: uuid.UUID | None,
    limit: int,
    entity_type: str | None,
    entity_id: str | None,
    actor_id: uuid.UUID | None,
) -> list[AuditEvent]:
    query = select(AuditEvent)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    return keyset(session, query, AuditEvent.id, after, limit)
