"""Jobs for the runner tests (loaded with COBRO_JOB_MODULES=tests.jobs.sample_jobs).

Each run of ``tests.record`` adds an audit event for its key, in the job's own unit of work, so
counting those events counts the runs that committed."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.core.db import session_scope
from backend.jobs.registry import job


def runs(session, key: str) -> int:
    return session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == key)
    ).scalar_one()


def _event(key: str) -> AuditEvent:
    return AuditEvent(actor_kind="system", action="test.job_ran", entity_type="test", entity_id=key)


@job("tests.record", max_attempts=3)
def record(key: str, sleep: float = 0.0) -> None:
    with session_scope() as session:
        session.add(_event(key))
        session.flush()
        time.sleep(sleep)  # a kill during this sleep leaves nothing committed


@job("tests.flaky", max_attempts=3)
def flaky(key: str, failures: int) -> None:
    """Fails its first ``failures`` runs (counted in committed attempt rows)."""
    with session_scope() as session:
        session.add(_event(f"{key}:attempt"))
    with session_scope() as session:
        if runs(session, f"{key}:attempt") <= failures:
            raise RuntimeError("not yet")
        session.add(_event(key))


@job("tests.every_minute", cron="* * * * *")
def every_minute() -> None:
    record("periodic")
