from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from backend.core.columns import id_field, json_field, utcnow
from backend.core.db import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """Append-only record of every mutation, written in the transaction of the change."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_entity", "entity_type", "entity_id", "at"),
        Index("ix_audit_action_at", "action", "at"),
    )

    id: uuid.UUID = id_field()
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    actor_kind: str = Field(default="user", max_length=20)  # user|system|bot|provider|debtor
    action: str = Field(max_length=60)
    entity_type: str = Field(max_length=40)
    entity_id: str = Field(max_length=64)
    account_id: uuid.UUID | None = Field(default=None, index=True)
    before: dict[str, Any] | None = json_field(lambda: None, nullable=True)
    after: dict[str, Any] | None = json_field(lambda: None, nullable=True)
