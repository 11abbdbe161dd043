from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, enum_field, id_field, json_field
from shared.schemas.enums import TaskKind, TaskStatus


class Task(SQLModel, table=True):
    """Work for a person: follow up a broken plan or promise, approve an out-of-limit proposal.
    ``dedupe_key`` makes the jobs that create tasks idempotent."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_assignee_status", "assignee_id", "status", "due_date"),)

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    assignee_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    kind: TaskKind = enum_field(TaskKind)
    status: TaskStatus = enum_field(TaskStatus, TaskStatus.open)
    due_date: date
    payload: dict[str, Any] = json_field()
    resolution: str | None = Field(default=None, max_length=500)
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    created_at: datetime = created_at_field()
    closed_at: datetime | None = datetime_field()
    closed_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
