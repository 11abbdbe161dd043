"""Late changes to days the daily facts already settled (``daily.late_days``): the job finds
them by the rows' own creation or change times and rewrites those days, so the dashboard
answers from the facts what it answers from the raw rows; a rerun changes nothing and a run
with nothing changed writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, select
from sqlmodel import Session

from backend.aging import Clock
from backend.analytics import daily, tasks
from backend.analytics.filters import Filters
from backend.analytics.models import KpiDailyMark
from backend.contact.models import ContactAttempt
from backend.core.clock import pinned, utcnow
from backend.core.db import session_scope
from backend.field.models import LocationPing
from backend.ledger import service as ledger
from backend.payments.models import Payment
from backend.promises.models import Promise
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import PaymentMethod, PromiseStatus
from shared.schemas.field import VisitOutcome
from tests import builders as b
from tests.analytics.history import History, _pay, _visit, at, build, d
from tests.analytics.test_daily_facts import _dashboard, _facts
from tests.concurrency import at_once

# Months after the history: its days are long settled when the facts are first written, a
# while after it was recorded (a run looks back LATE_MARGIN from the last write).
BUILT = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
WRITTEN = BUILT + daily.LATE_MARGIN + timedelta(minutes=1)
LATER = WRITTEN + timedelta(minutes=30)
WINDOWS = [(d(1, 1), d(3, 31)), (d(2, 10), d(3, 15)), (d(3, 1), d(3, 31))]


def _callers(h: History) -> list[tuple[Any, dict[str, Any]]]:
    return [(h.admin, {}), (h.s, {}), (h.s2, {"portfolio_id": h.portfolio.id})]


def _answers(session: Session, h: History) -> list[Any]:
    return [
        _dashboard(session, Filters.of(user, date_from=first, date_to=last, **values))
        for user, values in _callers(h)
        for first, last in WINDOWS
    ]


def _raw(session: Session, h: History) -> list[Any]:
    """The answers from the raw rows alone (no portfolio has facts, for the while)."""
    nested = session.begin_nested()
    session.execute(delete(KpiDailyMark))
    answers = _answers(session, h)
    nested.rollback()
    return answers


def _reversal(session: Session, h: History) -> None:
    """A payment received months ago (A1's field payment of 02-15) reversed today."""
    payment = session.execute(select(Payment).where(Payment.account_id == h.acc[2].id)).scalar_one()
    ledger.reverse(session, b.SYSTEM, payment.ledger_entry_id, idempotency_key="late", source="t")


def _backdated(session: Session, h: History) -> None:
    """A bank statement booked today, paid on 03-04: two days after acc1's reminder."""
    _pay(session, h.acc[1], 2_000, d(3, 4), PaymentMethod.bank_statement)


def _late_visit(session: Session, h: History) -> None:
    """A visit of 03-08 synced today, from a phone that was offline."""
    _visit(session, h.a2, h.acc[4], at(3, 8, 10), 30, VisitOutcome.promise, far=True)


def _late_report(session: Session, h: History) -> None:
    """The delivery report of acc4's reminder of 03-15 (sent) heard today: read."""
    attempt = session.execute(
        select(ContactAttempt).where(ContactAttempt.account_id == h.acc[4].id)
    ).scalar_one()
    attempt.status = AttemptStatus.read
    session.add(attempt)
    session.flush()


def _late_verdict(session: Session, h: History) -> None:
    """acc5's promise of 03-01, still open when the facts were written, judged kept today."""
    promise = session.execute(
        select(Promise).where(Promise.account_id == h.acc[5].id, Promise.status == "open")
    ).scalar_one()
    promise.status = PromiseStatus.kept
    promise.paid_minor = promise.amount_minor
    promise.resolved_at = utcnow()
    session.add(promise)
    session.flush()


def _late_fixes(session: Session, h: History) -> None:
    """GPS fixes of 02-01 (later that morning) and of 03-03 synced today."""
    for when, lat in ((at(2, 1, 9), 0.02), (at(3, 3, 9), 0.0), (at(3, 3, 10), 0.01)):
        session.add(LocationPing(agent_id=h.a1.id, recorded_at=when, latitude=lat, longitude=0.0))
    session.flush()


CHANGES: dict[str, Callable[[Session, History], None]] = {
    "payment reversed": _reversal,
    "payment backdated": _backdated,
    "visit synced late": _late_visit,
    "delivery report late": _late_report,
    "fixes synced late": _late_fixes,
    "promise judged late": _late_verdict,
}


@pytest.fixture
def written(session: Session) -> Iterator[tuple[History, date]]:
    """The history, and its facts written by the job's run the day it was built."""
    with pinned(BUILT):
        h = build(session)
    with pinned(WRITTEN):
        through = Clock(session).today(h.portfolio.id) - timedelta(days=1)
        assert daily.refresh(session, h.portfolio.id, through)
    yield h, through


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements run meanwhile on the session's connection."""
    seen: list[str] = []
    connection = session.connection()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_late_change_to_a_settled_day_is_rewritten_by_the_next_run(
    session: Session, written: tuple[History, date], change: Callable[[Session, History], None]
) -> None:
    h, through = written
    with pinned(LATER):
        before = _answers(session, h)
        change(session, h)
        raw = _raw(session, h)
        assert raw != before  # the change shows in the settled days' figures...
        assert _answers(session, h) != raw  # ...which the facts written before miss
        assert daily.refresh(session, h.portfolio.id, through)
        assert _answers(session, h) == raw
        facts = _facts(session, h.portfolio.id)
    # Runs look back LATE_MARGIN from the last write: those written within it of the change
    # rewrite its days again, the same; once one wrote later than that, nothing is found.
    past = LATER + daily.LATE_MARGIN + timedelta(minutes=1)
    for rerun in (LATER + timedelta(minutes=10), past):
        with pinned(rerun):
            assert daily.refresh(session, h.portfolio.id, through)
            assert _facts(session, h.portfolio.id) == facts
    assert _answers(session, h) == raw
    with pinned(past + timedelta(minutes=10)), _statements(session) as statements:
        assert not daily.refresh(session, h.portfolio.id, through)
    assert statements and all(s.lstrip().upper().startswith("SELECT") for s in statements)
    assert len(statements) <= 2  # the mark, and one look for late rows
    assert session.get(KpiDailyMark, h.portfolio.id).written_at == past  # type: ignore[union-attr]


def test_with_nothing_changed_a_run_writes_nothing(
    session: Session, written: tuple[History, date]
) -> None:
    h, through = written
    with pinned(LATER), _statements(session) as statements:
        assert not daily.refresh(session, h.portfolio.id, through)
    assert len(statements) == 2
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements)
    mark = session.get(KpiDailyMark, h.portfolio.id)
    assert mark is not None and mark.written_at == WRITTEN


def test_recent_changes_wait_for_the_daily_rewrite(
    session: Session, written: tuple[History, date]
) -> None:
    """A payment received yesterday, booked today, is in the days the facts do not answer for
    yet: no rewrite (the next day's run writes it with its window)."""
    h, through = written
    with pinned(LATER):
        _pay(session, h.acc[3], 1_000, through, PaymentMethod.bank_statement)
        assert not daily.refresh(session, h.portfolio.id, through)


def test_facts_written_before_their_time_was_recorded_are_rewritten_once(
    session: Session, written: tuple[History, date]
) -> None:
    h, through = written
    mark = session.get(KpiDailyMark, h.portfolio.id)
    assert mark is not None
    mark.written_at = None
    session.add(mark)
    session.flush()
    facts = _facts(session, h.portfolio.id)
    with pinned(LATER):
        assert daily.refresh(session, h.portfolio.id, through)
        assert session.get(KpiDailyMark, h.portfolio.id).written_at == LATER  # type: ignore[union-attr]
        assert _facts(session, h.portfolio.id) == facts
    with pinned(LATER + timedelta(hours=2)):
        assert not daily.refresh(session, h.portfolio.id, through)


def test_concurrent_jobs_rewrite_a_late_change_once(committed_engine: Engine) -> None:
    with pinned(BUILT), session_scope(committed_engine) as session:
        h = build(session)
    with pinned(WRITTEN):
        tasks.run_snapshots(committed_engine)
    with pinned(LATER):
        with session_scope(committed_engine) as session:
            _reversal(session, h)
            _late_visit(session, h)
        assert at_once(lambda: tasks.run_snapshots(committed_engine), 3) == []
        with session_scope(committed_engine, write=False) as session:
            concurrent = _facts(session, h.portfolio.id)
            answers = _answers(session, h)
            assert answers == _raw(session, h)
            through = daily.written_through(session, h.portfolio.id)
        assert through is not None
        with session_scope(committed_engine) as session:
            daily.rebuild(session, h.portfolio.id, through)
        with session_scope(committed_engine, write=False) as session:
            assert _facts(session, h.portfolio.id) == concurrent
            assert _answers(session, h) == answers
