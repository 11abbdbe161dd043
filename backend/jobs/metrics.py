"""Jobs, watched: each run logged with its job's name and id and counted by outcome
(``run_observed``, used by both runners), and the queue read at scrape time
(``QueueCollector``: jobs due and waiting, and how long the oldest has waited)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import structlog
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlmodel import Session

from backend.core.clock import utcnow
from backend.jobs.models import QueuedJob
from shared.observability.logs import get_logger
from shared.observability.metrics import JOB_SECONDS, JOBS

log = get_logger("cobro.jobs")


def run_observed(
    name: str, job_id: int | None, attempt: int, final: bool, run: Callable[[], object]
) -> None:
    """Run one attempt of a job: its log lines carry ``job``, ``job_id`` and ``attempt``; its
    outcome is counted (succeeded; retried; failed on its ``final`` attempt). The error, if
    any, is raised again for the runner to schedule the retry."""
    with structlog.contextvars.bound_contextvars(job=name, job_id=job_id, attempt=attempt):
        started = time.perf_counter()
        log.info("job started")
        try:
            run()
        except Exception:
            outcome = "failed" if final else "retried"
            _count(name, outcome, started)
            log.exception("job failed", outcome=outcome, duration_ms=_ms(started))
            raise
        _count(name, "succeeded", started)
        log.info("job succeeded", duration_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _count(name: str, outcome: str, started: float) -> None:
    JOBS.labels(name, outcome).inc()
    JOB_SECONDS.labels(name).observe(time.perf_counter() - started)


# procrastinate: a job is due from its scheduled time, else from when it was deferred.
_PG_QUEUE = text(
    "SELECT j.queue_name, count(*), "
    "EXTRACT(EPOCH FROM now() - min(coalesce(j.scheduled_at, e.at))) "
    "FROM procrastinate_jobs j "
    "LEFT JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred' "
    "WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now()) "
    "GROUP BY j.queue_name"
)


class QueueCollector(Collector):
    """The job queue as it stands when scraped, from the database (whichever runner serves
    it, however many workers): ``cobro_jobs_waiting`` and ``cobro_job_queue_lag_seconds``
    (the oldest due job's wait) by queue; 0 for a queue with nothing due."""

    def __init__(self, session: Session, queues: Iterable[str] = ("default",)) -> None:
        self.session = session
        self.queues = tuple(queues)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        waiting = GaugeMetricFamily(
            "cobro_jobs_waiting", "Jobs due and not yet started, by queue", labels=["queue"]
        )
        lag = GaugeMetricFamily(
            "cobro_job_queue_lag_seconds",
            "How long the oldest due job has waited to start, by queue",
            labels=["queue"],
        )
        found = dict.fromkeys(self.queues, (0, 0.0))
        found.update(self._read())
        for queue, (count, seconds) in sorted(found.items()):
            waiting.add_metric([queue], count)
            lag.add_metric([queue], seconds)
        return [waiting, lag]

    def _read(self) -> dict[str, tuple[int, float]]:
        if self.session.get_bind().dialect.name == "postgresql":
            rows = self.session.execute(_PG_QUEUE).all()
            return {queue: (count, max(float(lag or 0), 0.0)) for queue, count, lag in rows}
        now = utcnow()
        due = (
            select(QueuedJob.queue, func.count(), func.min(QueuedJob.run_at))
            .where(QueuedJob.status == "todo", QueuedJob.run_at <= now)
            .group_by(QueuedJob.queue)
        )
        return {
            queue: (count, max((now - oldest).total_seconds(), 0.0))
            for queue, count, oldest in self.session.execute(due).all()
        }
