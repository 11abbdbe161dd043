"""Jobs, watched: each attempt logged with its job's name and id and counted by outcome, and
the queue's waiting jobs and lag read from the database (both runners' tables)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.jobs.local import EmbeddedRunner
from backend.jobs.metrics import QueueCollector
from backend.jobs.queue import enqueue
from tests.ops.helpers import sample


@pytest.fixture
def sqlite_jobs(jobs_engine: Engine, db_kind: str) -> Engine:
    if db_kind != "sqlite":
        pytest.skip("the embedded runner serves the SQLite default")
    return jobs_engine


def outcomes(job: str) -> dict[str, float]:
    return {
        outcome: sample("cobro_jobs_total", job=job, outcome=outcome)
        for outcome in ("succeeded", "retried", "failed")
    }


def test_each_attempt_is_counted_and_logged_with_the_job(
    sqlite_jobs: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cobro.jobs")
    record, flaky = outcomes("tests.record"), outcomes("tests.flaky")
    with session_scope(sqlite_jobs) as session:
        done = enqueue(session, "tests.record", key="watched")
        twice = enqueue(session, "tests.flaky", key="once-more", failures=1)
        never = enqueue(session, "tests.flaky", key="never", failures=5)  # 3 attempts
    runner = EmbeddedRunner(sqlite_jobs)
    now = utcnow()
    for _ in range(3):  # each retry waits its backoff: run at a later "now" each round
        runner.run_until_idle(now)
        now += timedelta(hours=2)
    assert outcomes("tests.record")["succeeded"] == record["succeeded"] + 1
    after = outcomes("tests.flaky")
    assert after["succeeded"] - flaky["succeeded"] == 1  # once-more, on its second attempt
    assert after["retried"] - flaky["retried"] == 3  # once-more once, never twice
    assert after["failed"] - flaky["failed"] == 1  # never, on its third and last
    assert sample("cobro_job_duration_seconds_count", job="tests.record") >= 1
    events = [
        (line["event"], line["job_id"], line["attempt"], line.get("outcome"))
        for line in (r.msg for r in caplog.records if r.name == "cobro.jobs")
        if isinstance(line, dict)
        and line["job"] != "tests.every_minute"
        and line["job"].startswith("tests.")
    ]
    assert ("job succeeded", done, 1, None) in events
    assert ("job failed", twice, 1, "retried") in events
    assert ("job succeeded", twice, 2, None) in events
    assert ("job failed", never, 3, "failed") in events


def test_the_queue_is_read_at_scrape_time(session: Session) -> None:
    """Two jobs due for five minutes, one due now, one not yet due: three wait, the oldest
    for five minutes."""
    now = utcnow()
    for _ in range(2):
        enqueue(session, "jobs.clean_up", run_at=now - timedelta(minutes=5))
    enqueue(session, "jobs.clean_up")
    enqueue(session, "jobs.clean_up", run_at=now + timedelta(hours=1))
    waiting, lag = QueueCollector(session, ["default", "other"]).collect()
    assert {s.labels["queue"]: s.value for s in waiting.samples} == {"default": 3, "other": 0}
    lags = {s.labels["queue"]: s.value for s in lag.samples}
    # (PostgreSQL's clock is the transaction's start, a little before ``now``)
    assert 290 <= lags["default"] < 360 and lags["other"] == 0


def test_an_empty_queue_has_no_lag(session: Session) -> None:
    waiting, lag = QueueCollector(session).collect()
    assert [s.value for s in waiting.samples] == [0] and [s.value for s in lag.samples] == [0]
