"""The embedded job runner (SQLite): a thread inside ``cobro serve`` that runs the same job
functions the PostgreSQL workers run, from ``job_queue``.

Each turn defers the periodic jobs whose period began (once per period, whoever inserts the
``job_periodic_runs`` row first), takes the next due job under a lease, runs it and records the
outcome; a failed job is retried with exponential backoff up to its ``max_attempts``, and a job
whose lease ran out (its process died) is taken again.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from croniter import croniter
from sqlalchemy import Engine, and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.jobs import registry
from backend.jobs.metrics import run_observed
from backend.jobs.models import PeriodicRun, QueuedJob
from backend.jobs.queue import enqueue

log = logging.getLogger("cobro.jobs")
LEASE = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


class EmbeddedRunner:
    def __init__(self, engine: Engine | None = None, *, poll_seconds: float = 1.0) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._slots: dict[str, datetime] = {}

    # -- one turn ---------------------------------------------------------------------------
    def defer_periodic(self, now: datetime) -> list[str]:
        """Queue each periodic job whose current period has not been deferred yet."""
        deferred = []
        for job in registry.load().values():
            if not job.cron:
                continue
            slot = croniter(job.cron, now).get_prev(datetime)
            if self._slots.get(job.name) == slot:
                continue
            try:
                with session_scope(self.engine) as session:
                    session.add(PeriodicRun(task=job.name, slot=slot))
                    session.flush()
                    enqueue(session, job.name, run_at=now)
                deferred.append(job.name)
            except IntegrityError:  # another process deferred this period
                pass
            self._slots[job.name] = slot
        return deferred

    def _claim(self, now: datetime) -> QueuedJob | None:
        running = aliased(QueuedJob)
        lock_held = exists().where(
            running.lock == QueuedJob.lock,
            running.id != QueuedJob.id,
            running.status == "doing",
            running.locked_until > now,
        )
        due = or_(
            and_(QueuedJob.status == "todo", QueuedJob.run_at <= now),
            and_(QueuedJob.status == "doing", QueuedJob.locked_until <= now),  # died mid-job
        )
        with session_scope(self.engine) as session:
            row = session.execute(
                select(QueuedJob)
                .where(due, or_(QueuedJob.lock.is_(None), ~lock_held))
                .order_by(QueuedJob.run_at, QueuedJob.id)
                .limit(1)
            ).scalar_one_or_none()
            if row is None:
                return None
            if row.status == "doing" and row.attempts >= row.max_attempts:
                row.status, row.finished_at = "failed", now
                row.last_error = (row.last_error or "") + " (its worker died)"
                return None
            row.status, row.attempts, row.locked_until = "doing", row.attempts + 1, now + LEASE
            return row

    def _finish(self, job_id: int, error: BaseException | None, now: datetime) -> None:
        with session_scope(self.engine) as session:
            row = session.get(QueuedJob, job_id)
            assert row is not None
            row.locked_until = None
            if error is None:
                row.status, row.finished_at = "succeeded", now
            elif row.attempts >= row.max_attempts:
                row.status, row.finished_at, row.last_error = "failed", now, repr(error)[:2000]
            else:
                row.status, row.run_at = "todo", now + backoff(row.attempts)
                row.last_error = repr(error)[:2000]

    def run_next(self, now: datetime | None = None) -> bool:
        """Defer due periodic jobs, then run the next due job; False when none was due."""
        now = now or utcnow()
        self.defer_periodic(now)
        row = self._claim(now)
        if row is None:
            return False
        assert row.id is not None
        error: BaseException | None = None
        job = registry.get(row.task)
        final = row.attempts >= row.max_attempts
        try:
            run_observed(row.task, row.id, row.attempts, final, lambda: job.function(**row.args))
        except Exception as exc:  # logged and counted; retried with backoff unless final
            error = exc
        self._finish(row.id, error, now)
        return True

    def run_until_idle(self, now: datetime | None = None, limit: int = 10_000) -> int:
        ran = 0
        while ran < limit and self.run_next(now):
            ran += 1
        return ran

    # -- the thread -------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="cobro-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def serve_forever(self) -> None:
        self._loop()

    def _loop(self) -> None:
        log.info("embedded job runner started")
        while not self._stop.is_set():
            try:
                if self.run_next():
                    continue
            except Exception:  # the database is busy or away: try again on the next turn
                log.exception("embedded job runner turn failed")
            self._stop.wait(self.poll_seconds)
