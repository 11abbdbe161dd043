"""Enqueue a job in the caller's transaction: it exists exactly when the caller's change commits."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from backend.core.clock import utcnow
from backend.jobs import registry
from backend.jobs.models import QueuedJob

# procrastinate's own SQL function, called on our connection (same transaction as the change).
_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, NULL, "
    "CAST(:args AS jsonb), CAST(:run_at AS timestamptz))::procrastinate_job_to_defer_v1])"
)


def enqueue(
    session: Session,
    name: str,
    *,
    lock: str | None = None,
    run_at: datetime | None = None,
    **args: Any,
) -> int:
    """Queue the job ``name`` with ``args``; ``lock``: jobs sharing it run one at a time (e.g.
    ``account:<id>``). Returns the job's id."""
    job = registry.get(name)
    json.dumps(args)  # the arguments travel as JSON: refuse anything else now, not in a worker
    if session.get_bind().dialect.name == "postgresql":
        params = {
            "queue": job.queue,
            "task": name,
            "lock": lock,
            "args": json.dumps(args),
            "run_at": run_at,
        }
        return session.execute(_DEFER, params).scalar_one()[0]
    row = QueuedJob(
        task=name,
        args=args,
        queue=job.queue,
        lock=lock,
        max_attempts=job.max_attempts,
        run_at=run_at or utcnow(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id
