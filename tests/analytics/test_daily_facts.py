"""The daily KPI facts (``backend.analytics.daily``): the dashboard answers from them exactly
what it answers from the raw rows, for every figure, caller and window, whether the facts
cover the whole window or its start only; the job writes them once a day and concurrent
rebuilds leave one copy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, literal, select
from sqlmodel import Session

from backend.aging import Clock
from backend.analytics import daily, service, tasks
from backend.analytics.filters import Filters
from backend.analytics.models import (
    KpiCohortPayment,
    KpiDailyMark,
    KpiPaymentDay,
)
from backend.core.clock import pinned
from backend.core.db import session_scope
from backend.field.models import LocationPing
from shared.schemas.enums import PaymentMethod, PromiseStatus
from shared.schemas.field import VisitOutcome
from tests import builders as b
from tests.analytics.history import History, _account, _pay, _promise, _visit, at, build, d
from tests.concurrency import at_once


def _callers(session: Session, h: History) -> list[tuple[Any, dict[str, Any]]]:
    creditor = b.user(session, b.Role.creditor, creditor_id=h.portfolio.creditor_id)
    return [
        (h.admin, {}),
        (h.admin, {"portfolio_id": h.portfolio.id}),
        (h.admin, {"agent_id": h.a1.id}),
        (h.admin, {"creditor_id": h.portfolio.creditor_id}),
        (h.s, {}),
        (h.s, {"agent_id": h.a2.id}),
        (h.s2, {"portfolio_id": h.portfolio.id}),
        (creditor, {}),
    ]


WINDOWS = [(d(1, 1), d(3, 31)), (d(3, 1), d(3, 31)), (d(2, 10), d(3, 15)), (d(1, 1), d(12, 31))]


def _dashboard(session: Session, f: Filters) -> dict[str, Any]:
    return {
        "portfolio": service.portfolio(session, f).model_dump(),
        "agents": [a.model_dump() for a in service.agents(session, f)],
        "channels": [c.model_dump() for c in service.channels(session, f)],
    }


def _answers(session: Session, callers: list[tuple[Any, dict[str, Any]]]) -> list[Any]:
    return [
        _dashboard(session, Filters.of(user, date_from=first, date_to=last, **values))
        for user, values in callers
        for first, last in WINDOWS
    ]


def _more_activity(session: Session, h: History) -> None:
    """Visits, fixes, payments, promises and accounts placed on days either side of where
    the facts stop (legs between days, a day with one fix), besides the history's."""
    for arrived, agent in ((d(3, 11), h.a1), (d(3, 19), h.b1), (d(3, 20), h.a2)):
        late = _account(session, h.portfolio, agent, arrived, 9_000, arrived, arrived)
        _pay(session, late, 1_000, arrived + timedelta(days=1), PaymentMethod.bank_statement)
    _pay(session, h.acc[3], 1_000, d(3, 12), PaymentMethod.bank_statement)
    _pay(session, h.acc[1], 1_500, d(3, 14), PaymentMethod.cash, agent=h.a1)
    _pay(session, h.acc[5], 500, d(4, 24), PaymentMethod.online, link_by="bot")
    _promise(session, h.acc[4], h.a2, 4_000, at(3, 12), PromiseStatus.broken)
    _promise(session, h.acc[3], h.a2, 2_000, at(3, 14), PromiseStatus.kept, 2_500)
    _visit(session, h.a2, h.acc[3], at(3, 14, 10), 25, VisitOutcome.paid, far=True)
    _visit(session, h.b1, h.acc[5], at(3, 13, 16), 50, VisitOutcome.refused)
    _visit(session, h.b1, h.acc[5], at(3, 3, 12), 10, VisitOutcome.not_home)
    for agent, days in ((h.a1, (9, 10, 11, 13, 14)), (h.b1, (4, 12, 13))):
        for n, day in enumerate(days):
            for k in range(1 + n % 3):
                session.add(
                    LocationPing(
                        agent_id=agent.id,
                        recorded_at=at(3, day, 9 + k, 5 * n),
                        latitude=-12.05 + 0.01 * k + 0.003 * n,
                        longitude=-77.04 - 0.02 * n,
                    )
                )


@pytest.mark.parametrize("through", [d(3, 20), d(5, 1), date(2026, 12, 1)])
def test_the_facts_give_every_figure_the_raw_rows_give(session: Session, through: date) -> None:
    h = build(session)
    _more_activity(session, h)
    callers = _callers(session, h)
    session.flush()
    raw = _answers(session, callers)
    daily.write_days(session, h.portfolio.id, through)
    f = Filters(d(1, 1), d(3, 31))
    closed, recent = daily.split(session, f)
    settled = through - timedelta(days=daily.SETTLE_DAYS)
    assert closed is not None and closed.date_to == min(settled, f.date_to)
    assert (recent is None) == (settled >= f.date_to)
    for table in (*daily.TABLES, KpiCohortPayment):
        assert session.execute(select(func.count()).select_from(table)).scalar_one() > 0
    assert _answers(session, callers) == raw
    # Written again (the job's next day), still the same.
    daily.write_days(session, h.portfolio.id, through + timedelta(days=1))
    assert _answers(session, callers) == raw


def test_a_segment_filter_reads_the_raw_rows_the_facts_know_no_segment(session: Session) -> None:
    h = build(session)
    daily.write_days(session, h.portfolio.id, date(2026, 12, 1))
    f = Filters(d(1, 1), d(3, 31), segment="grandes")
    assert daily.split(session, f) == (None, f)
    assert daily.split(session, Filters(d(1, 1), d(3, 31)))[0] is not None


def test_a_portfolio_without_facts_sends_everyone_to_the_raw_rows(session: Session) -> None:
    h = build(session)
    other = b.portfolio(session)
    daily.write_days(session, h.portfolio.id, d(6, 1))
    everything = Filters(d(1, 1), d(3, 31))
    assert daily.split(session, everything) == (None, everything)
    mine = Filters(d(1, 1), d(3, 31), portfolio_id=h.portfolio.id)
    assert daily.split(session, mine) == (mine, None)
    assert daily.split(session, Filters(d(1, 1), d(3, 31), portfolio_id=other.id))[0] is None


def _facts(session: Session, portfolio_id: Any) -> list[tuple[Any, ...]]:
    """Every fact row of the portfolio, every table, without the row ids."""
    found = []
    for model in (*daily.TABLES, KpiCohortPayment):
        table = model.__table__
        columns = [c for c in table.c if c.name not in ("id", "portfolio_id")]
        query = select(literal(table.name), *columns).where(table.c.portfolio_id == portfolio_id)
        found += sorted(map(tuple, session.execute(query)), key=str)
    return found


def test_concurrent_rebuilds_leave_one_copy_of_the_facts(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        h = build(session)
    with session_scope(committed_engine) as session:
        daily.write_days(session, h.portfolio.id, d(4, 1))
    with session_scope(committed_engine, write=False) as session:
        once = _facts(session, h.portfolio.id)
    assert once

    def rebuild() -> None:
        with session_scope(committed_engine) as session:
            daily.rebuild(session, h.portfolio.id, d(4, 1))

    assert at_once(rebuild, 4) == []
    with session_scope(committed_engine, write=False) as session:
        assert _facts(session, h.portfolio.id) == once
        mark = session.get(KpiDailyMark, h.portfolio.id)
        assert mark is not None and mark.through == d(4, 1)


def test_the_job_writes_the_facts_up_to_yesterday_once_a_day(committed_engine: Engine) -> None:
    # Written more than LATE_MARGIN after the history was recorded: none of it is late news.
    built = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    written = built + daily.LATE_MARGIN + timedelta(minutes=1)
    with pinned(built), session_scope(committed_engine) as session:
        h = build(session)
    with pinned(written):
        with session_scope(committed_engine, write=False) as session:
            today = Clock(session).today(h.portfolio.id)
        tasks.run_snapshots(committed_engine)
    with session_scope(committed_engine, write=False) as session:
        assert daily.written_through(session, h.portfolio.id) == today - timedelta(days=1)
        before = set(session.execute(select(KpiPaymentDay.id)).scalars())
    assert before
    with pinned(written + timedelta(minutes=10)):
        tasks.run_snapshots(committed_engine)
    with session_scope(committed_engine, write=False) as session:
        assert set(session.execute(select(KpiPaymentDay.id)).scalars()) == before


def test_concurrent_runs_of_the_job_write_the_facts_once(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        h = build(session)
    assert at_once(lambda: tasks.run_snapshots(committed_engine), 3) == []
    with session_scope(committed_engine, write=False) as session:
        concurrent = _facts(session, h.portfolio.id)
        through = daily.written_through(session, h.portfolio.id)
    assert through is not None
    with session_scope(committed_engine) as session:
        daily.rebuild(session, h.portfolio.id, through)
    with session_scope(committed_engine, write=False) as session:
        assert _facts(session, h.portfolio.id) == concurrent
