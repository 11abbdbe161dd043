"""The snapshot job: what it writes, that reruns and concurrent rebuilds change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.aging import Clock
from backend.analytics import snapshots, tasks
from backend.analytics.models import AgingSnapshot, RollSnapshot
from backend.core.db import session_scope
from tests import builders as b
from tests.analytics.history import build, d
from tests.concurrency import at_once


def _rows(session: Session, model: type, portfolio_id: object) -> list[tuple]:
    query = select(model).where(model.portfolio_id == portfolio_id)
    return sorted(
        (_when(r), r.agent_id or "", *_key(r), r.accounts, r.balance_minor)
        for r in session.execute(query).scalars()
    )


def _when(row: object) -> object:
    return row.day if isinstance(row, AgingSnapshot) else row.month  # type: ignore[attr-defined]


def _key(row: object) -> tuple[str, ...]:
    if isinstance(row, AgingSnapshot):
        return (row.bucket,)
    assert isinstance(row, RollSnapshot)
    return (row.from_bucket, row.to_bucket)


def test_a_rebuild_gives_the_same_rows(session: Session) -> None:
    h = build(session)
    snapshots.write_aging(session, h.portfolio.id, d(2, 28))
    snapshots.write_rolls(session, h.portfolio.id, d(3, 1))
    first = (
        _rows(session, AgingSnapshot, h.portfolio.id),
        _rows(session, RollSnapshot, h.portfolio.id),
    )
    snapshots.write_aging(session, h.portfolio.id, d(2, 28))
    snapshots.write_rolls(session, h.portfolio.id, d(3, 17))  # any day of the month
    again = (
        _rows(session, AgingSnapshot, h.portfolio.id),
        _rows(session, RollSnapshot, h.portfolio.id),
    )
    assert first == again
    assert len(first[0]) == 4  # current (A2), 1-30 (A2), 31-60 (A1), 31-60 (B1)


def test_the_periodic_job_writes_yesterday_and_last_month_once(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        p = b.portfolio(session)
        b.account(session, p, days_past_due=40, principal=12_345)
    with session_scope(committed_engine, write=False) as session:
        today = Clock(session).today(p.id)
    assert tasks.run_snapshots(committed_engine) >= 2
    with session_scope(committed_engine, write=False) as session:
        aging = _rows(session, AgingSnapshot, p.id)
        assert aging == [(today - timedelta(days=1), "", "31-60", 1, 12_345)]
        month = tasks.previous_month(today)
        count = (
            select(func.count())
            .select_from(RollSnapshot)
            .where(RollSnapshot.portfolio_id == p.id, RollSnapshot.month == month)
        )
        rolls = session.execute(count).scalar_one()
    ids = select(AgingSnapshot.id).where(AgingSnapshot.portfolio_id == p.id)
    with session_scope(committed_engine, write=False) as session:
        before = set(session.execute(ids).scalars())
    tasks.run_snapshots(committed_engine)
    with session_scope(committed_engine, write=False) as session:
        assert set(session.execute(ids).scalars()) == before  # not written again
        assert session.execute(count).scalar_one() == rolls


def test_concurrent_rebuilds_of_one_day_leave_one_copy(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        p = b.portfolio(session)
        for n in range(3):
            b.account(session, p, days_past_due=10 + 30 * n, principal=1_000 * (n + 1))
    day = d(11, 30)

    def rebuild() -> None:
        with session_scope(committed_engine) as session:
            snapshots.write_aging(session, p.id, day)

    assert at_once(rebuild, 4) == []
    with session_scope(committed_engine, write=False) as session:
        rows = _rows(session, AgingSnapshot, p.id)
    assert sum(r[3] for r in rows) == 3
    assert len(rows) == len({r[:3] for r in rows})


def test_a_history_is_rebuilt_day_by_day_with_its_month_ends(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        h = build(session)
    tasks.snapshot_days(h.portfolio.id, d(2, 27), d(3, 1), committed_engine)
    with session_scope(committed_engine, write=False) as session:
        days = session.execute(
            select(AgingSnapshot.day).where(AgingSnapshot.portfolio_id == h.portfolio.id).distinct()
        ).scalars()
        months = session.execute(
            select(RollSnapshot.month).where(RollSnapshot.portfolio_id == h.portfolio.id).distinct()
        ).scalars()
        assert (sorted(days), list(months)) == ([d(2, 27), d(2, 28), d(3, 1)], [d(2, 1)])
