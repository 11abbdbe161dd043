"""The embedded runner's own housekeeping: finished jobs and old period markers go after a week
(PostgreSQL workers keep procrastinate's tables the way procrastinate does)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.jobs.models import PeriodicRun, QueuedJob
from backend.jobs.registry import job

KEPT = timedelta(days=7)


@job("jobs.clean_up", cron="30 3 * * *")
def clean_up() -> None:
    before = utcnow() - KEPT
    with session_scope() as session:
        if session.get_bind().dialect.name != "sqlite":
            return
        session.execute(
            delete(QueuedJob).where(QueuedJob.status == "succeeded", QueuedJob.finished_at < before)
        )
        session.execute(delete(PeriodicRun).where(PeriodicRun.slot < before))
