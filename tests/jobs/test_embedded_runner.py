"""Enqueueing in the caller's transaction (both databases) and the embedded runner (SQLite)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text

from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.jobs.local import EmbeddedRunner
from backend.jobs.models import PeriodicRun, QueuedJob
from backend.jobs.queue import enqueue
from backend.jobs.registry import UnknownJob
from tests.jobs.sample_jobs import runs


def _queued(engine: Engine) -> int:
    with session_scope(engine) as session:
        if engine.dialect.name == "postgresql":
            return session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one()
        return session.execute(select(func.count()).select_from(QueuedJob)).scalar_one()


def test_a_job_exists_only_if_the_change_that_asked_for_it_committed(jobs_engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(jobs_engine) as session:
        enqueue(session, "tests.record", key="rolled-back")
        raise RuntimeError("the request failed after enqueueing")
    assert _queued(jobs_engine) == 0
    with session_scope(jobs_engine) as session:
        enqueue(session, "tests.record", key="committed", lock="account:1")
    assert _queued(jobs_engine) == 1


def test_unknown_jobs_and_non_json_arguments_are_refused_at_enqueue(jobs_engine: Engine) -> None:
    with session_scope(jobs_engine) as session:
        with pytest.raises(UnknownJob):
            enqueue(session, "no.such.job")
        with pytest.raises(TypeError):
            enqueue(session, "tests.record", key=object())


@pytest.fixture
def sqlite_jobs(jobs_engine: Engine, db_kind: str) -> Engine:
    if db_kind != "sqlite":
        pytest.skip("the embedded runner serves the SQLite default")
    return jobs_engine


def test_jobs_run_once_and_are_marked_done(sqlite_jobs: Engine) -> None:
    with session_scope(sqlite_jobs) as session:
        for i in range(5):
            enqueue(session, "tests.record", key=f"k{i}")
    runner = EmbeddedRunner(sqlite_jobs)
    now = utcnow()
    periodic = runner.defer_periodic(now)  # every periodic job's current period, once
    assert {"promises.check", "plans.check", "tests.every_minute"} <= set(periodic)
    assert runner.run_until_idle(now) == 5 + len(periodic)
    assert runner.run_until_idle(now) == 0
    with session_scope(sqlite_jobs) as session:
        assert [runs(session, f"k{i}") for i in range(5)] == [1] * 5
        statuses = session.execute(select(QueuedJob.status).distinct()).scalars().all()
        assert statuses == ["succeeded"]


def test_failures_retry_after_a_growing_backoff_then_succeed(sqlite_jobs: Engine) -> None:
    with session_scope(sqlite_jobs) as session:
        job_id = enqueue(session, "tests.flaky", key="flaky", failures=2)
    runner = EmbeddedRunner(sqlite_jobs)
    now = utcnow()
    states = []
    for seconds in (0, 1, 3, 6, 8):  # fails at 0 (next try at 2 s), at 3 (next at 7), ok at 8
        runner.run_until_idle(now + timedelta(seconds=seconds))
        with session_scope(sqlite_jobs) as session:
            row = session.get(QueuedJob, job_id)
            assert row is not None
            states.append((row.status, row.attempts))
    assert states == [
        ("todo", 1),
        ("todo", 1),
        ("todo", 2),
        ("todo", 2),
        ("succeeded", 3),
    ]
    with session_scope(sqlite_jobs) as session:
        assert runs(session, "flaky") == 1


def test_a_job_failing_every_attempt_ends_failed_with_its_error(sqlite_jobs: Engine) -> None:
    with session_scope(sqlite_jobs) as session:
        job_id = enqueue(session, "tests.flaky", key="doomed", failures=99)
    runner = EmbeddedRunner(sqlite_jobs)
    now = utcnow()
    for seconds in (0, 3, 10, 20):
        runner.run_until_idle(now + timedelta(seconds=seconds))
    with session_scope(sqlite_jobs) as session:
        row = session.get(QueuedJob, job_id)
        assert row is not None
        assert (row.status, row.attempts) == ("failed", 3)
        assert "not yet" in (row.last_error or "")


def test_a_job_whose_worker_died_is_taken_again_and_done_once(sqlite_jobs: Engine) -> None:
    now = utcnow()
    with session_scope(sqlite_jobs) as session:
        job_id = enqueue(session, "tests.record", key="orphan")
        row = session.get(QueuedJob, job_id)
        assert row is not None
        row.status, row.attempts, row.locked_until = "doing", 1, now + timedelta(minutes=1)
    runner = EmbeddedRunner(sqlite_jobs)
    runner.run_until_idle(now)
    with session_scope(sqlite_jobs) as session:
        assert runs(session, "orphan") == 0  # its lease still runs: maybe its worker is alive
    runner.run_until_idle(now + timedelta(minutes=2))
    with session_scope(sqlite_jobs) as session:
        assert runs(session, "orphan") == 1
        assert session.get(QueuedJob, job_id).attempts == 2  # type: ignore[union-attr]


def test_jobs_sharing_a_lock_never_run_at_once(sqlite_jobs: Engine) -> None:
    now = utcnow()
    with session_scope(sqlite_jobs) as session:
        first = enqueue(session, "tests.record", key="a", lock="account:7")
        enqueue(session, "tests.record", key="b", lock="account:7")
        row = session.get(QueuedJob, first)
        assert row is not None
        row.status, row.locked_until = "doing", now + timedelta(minutes=5)
    EmbeddedRunner(sqlite_jobs).run_until_idle(now)
    with session_scope(sqlite_jobs) as session:
        assert runs(session, "b") == 0  # waits for "a", whose worker holds the lock


def test_periodic_jobs_are_deferred_once_per_period_across_runners(sqlite_jobs: Engine) -> None:
    now = utcnow().replace(second=10)
    first, second = EmbeddedRunner(sqlite_jobs), EmbeddedRunner(sqlite_jobs)
    assert "tests.every_minute" in first.defer_periodic(now)
    assert "tests.every_minute" not in second.defer_periodic(now + timedelta(seconds=20))
    assert "tests.every_minute" in second.defer_periodic(now + timedelta(minutes=1))
    with session_scope(sqlite_jobs) as session:
        periods = session.execute(
            select(func.count()).where(PeriodicRun.task == "tests.every_minute")
        ).scalar_one()
        queued = session.execute(
            select(func.count()).where(QueuedJob.task == "tests.every_minute")
        ).scalar_one()
    assert (periods, queued) == (2, 2)
    daily = {"promises.check", "plans.check", "conversations.clean_up"}
    with session_scope(sqlite_jobs) as session:
        tasks = set(session.execute(select(QueuedJob.task)).scalars())
    assert daily <= tasks  # the domains' periodic jobs are on the same runner
