"""`cobro worker` processes on PostgreSQL (procrastinate): two workers share the queue and do
each job once; a worker killed mid-job leaves nothing half done, and the job is run again by
another worker once the dead one's heartbeat is stale."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from backend.core.db import session_scope
from backend.jobs.queue import enqueue
from tests.jobs.conftest import SAMPLE_JOBS
from tests.jobs.sample_jobs import runs
from tests.processes import workers

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


@pytest.fixture
def pg_jobs(jobs_engine: Engine, db_kind: str) -> Engine:
    if db_kind != "postgresql":
        pytest.skip("cobro worker runs procrastinate on PostgreSQL")
    return jobs_engine


def _jobs(engine: Engine) -> list[tuple[str, str, int, int | None]]:
    with session_scope(engine) as session:
        rows = session.execute(
            text(
                "SELECT args->>'key', status::text, attempts, worker_id FROM procrastinate_jobs "
                "WHERE task_name = 'tests.record'"
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _wait(engine: Engine, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for the workers: {_jobs(engine)}")
        time.sleep(0.2)


def test_two_workers_do_each_job_once(pg_jobs: Engine) -> None:
    keys = [f"job-{i}" for i in range(30)]
    with session_scope(pg_jobs) as session:
        for key in keys:
            enqueue(session, "tests.record", key=key, sleep=0.05)
    with workers(pg_jobs, 2, COBRO_JOB_MODULES=SAMPLE_JOBS):
        _wait(pg_jobs, lambda: all(status == "succeeded" for _, status, _, _ in _jobs(pg_jobs)))
    with session_scope(pg_jobs) as session:
        assert [runs(session, key) for key in keys] == [1] * len(keys)


def test_a_worker_killed_mid_job_is_replaced_without_doubling(pg_jobs: Engine) -> None:
    with session_scope(pg_jobs) as session:
        enqueue(session, "tests.record", key="slow", sleep=30)
    with workers(pg_jobs, 1, COBRO_JOB_MODULES=SAMPLE_JOBS) as (first,):
        _wait(pg_jobs, lambda: [status for _, status, _, _ in _jobs(pg_jobs)] == ["doing"])
        first.send_signal(signal.SIGKILL)  # mid-job: its transaction never commits
        first.wait(timeout=10)
    with session_scope(pg_jobs) as session:
        assert runs(session, "slow") == 0
        session.execute(
            text("UPDATE procrastinate_jobs SET args = jsonb_set(args, '{sleep}', '0')")
        )
    with workers(pg_jobs, 1, COBRO_JOB_MODULES=SAMPLE_JOBS):
        _wait(pg_jobs, lambda: [status for _, status, _, _ in _jobs(pg_jobs)] == ["succeeded"])
    with session_scope(pg_jobs) as session:
        assert runs(session, "slow") == 1
