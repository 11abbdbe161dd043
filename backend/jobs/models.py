"""The embedded runner's queue (SQLite) and the record of which periods already ran."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, json_field


class QueuedJob(SQLModel, table=True):
    """A job for the embedded runner. ``locked_until`` is the running worker's lease: a job
    still ``doing`` past it belonged to a process that died, and is taken again."""

    __tablename__ = "job_queue"
    __table_args__ = (Index("ix_job_queue_due", "status", "run_at"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    task: str = Field(max_length=100)
    args: dict[str, Any] = json_field()
    queue: str = Field(default="default", max_length=40)
    lock: str | None = Field(default=None, max_length=200)
    status: str = Field(default="todo", max_length=12)  # todo | doing | succeeded | failed
    attempts: int = 0
    max_attempts: int = 5
    run_at: datetime = datetime_field(nullable=False)
    locked_until: datetime | None = datetime_field()
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_at_field()
    finished_at: datetime | None = datetime_field()


class PeriodicRun(SQLModel, table=True):
    """One row per periodic job and period: whoever inserts it first defers that period's job."""

    __tablename__ = "job_periodic_runs"
    __table_args__ = (UniqueConstraint("task", "slot", name="uq_job_periodic_run"),)

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=100)
    slot: datetime = datetime_field(nullable=False)
