"""The PostgreSQL worker: procrastinate running Cobro's registered jobs (``cobro worker``)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import procrastinate
from sqlalchemy.engine import make_url

from backend.core.config import get_settings
from backend.jobs import registry
from backend.jobs.metrics import run_observed
from backend.jobs.registry import Job

log = logging.getLogger("cobro.jobs")


def conninfo(database_url: str) -> str:
    """The libpq address of a SQLAlchemy PostgreSQL URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def _task_body(job: Job) -> Any:
    def run(
        context: procrastinate.JobContext, timestamp: int | None = None, **args: Any
    ) -> None:  # periodic jobs get timestamp
        current = context.job
        # procrastinate counts earlier attempts, and retries while they are under max_attempts.
        final = current.attempts >= job.max_attempts
        run_observed(
            job.name, current.id, current.attempts + 1, final, lambda: job.function(**args)
        )

    run.__name__ = job.name.replace(".", "_")
    return run


def build_app(database_url: str | None = None) -> procrastinate.App:
    """A procrastinate app with every registered job (and periodic ones on their cron)."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url or get_settings().database_url)
    )
    app = procrastinate.App(connector=connector)
    for job in registry.load().values():
        retry = procrastinate.RetryStrategy(max_attempts=job.max_attempts, exponential_wait=2)
        task = app.task(name=job.name, queue=job.queue, retry=retry, pass_context=True)(
            _task_body(job)
        )
        if job.cron:
            app.periodic(cron=job.cron, periodic_id=job.name)(task)
    return app


async def _retry_stalled(app: procrastinate.App, stalled_seconds: float) -> None:
    """Jobs left ``doing`` by a worker whose heartbeat stopped (killed, machine lost) go back
    to the queue; their unit of work never committed, so running them again is safe."""
    while True:
        await asyncio.sleep(stalled_seconds / 2)
        try:
            for job in await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=stalled_seconds
            ):
                log.warning("job %s #%s stalled (its worker died): retrying", job.task_name, job.id)
                await app.job_manager.retry_job(job)
        except Exception:  # another worker retried it first, or the database blinked
            log.info("stalled-job check skipped", exc_info=True)


class Liveness:
    """Whether the worker's event loop turned within ``grace`` seconds: jobs run on threads,
    so a loop that stops turning is stuck, not busy (the probe's ``/livez``)."""

    def __init__(self, grace: float = 30.0) -> None:
        self.grace = grace
        self._last = time.monotonic()

    def __call__(self) -> bool:
        return time.monotonic() - self._last < self.grace

    async def keep(self, every: float = 1.0) -> None:
        while True:
            self._last = time.monotonic()
            await asyncio.sleep(every)


def run(
    concurrency: int = 4,
    queues: list[str] | None = None,
    name: str | None = None,
    liveness: Liveness | None = None,
) -> None:
    settings = get_settings()
    app = build_app()

    async def main() -> None:
        async with app.open_async():
            reaper = asyncio.create_task(_retry_stalled(app, settings.job_stalled_seconds))
            ticker = asyncio.create_task(liveness.keep()) if liveness else None
            try:
                await app.run_worker_async(
                    queues=queues,
                    concurrency=concurrency,
                    name=name,
                    update_heartbeat_interval=settings.job_heartbeat_seconds,
                    stalled_worker_timeout=settings.job_stalled_seconds,
                )
            finally:
                reaper.cancel()
                if ticker:
                    ticker.cancel()

    asyncio.run(main())
