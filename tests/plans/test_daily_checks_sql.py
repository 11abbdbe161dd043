"""The daily checks as set-based SQL: a page costs the same statements whatever it holds, two
workers at once do each thing once, a run that crashed halfway resumes without doubling
anything, and an empty database is no case apart. Runs on both databases."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.ledger.models import LedgerEntry
from backend.plans import service as plans
from backend.plans.models import Plan, PlanInstalment
from backend.plans.tasks import run_plan_check
from backend.promises import service as promises
from backend.promises.models import Promise
from backend.promises.tasks import run_promise_check
from backend.tasks.models import Task
from shared.schemas.enums import ActionChannel, EntryKind, PlanKind, Role
from tests import builders as b
from tests.conftest import Database
from tests.plans.test_daily_set_based import BUCKETED, _random_plans, _random_promises

SYSTEM = Actor.system()
T = date(2026, 3, 20)


@contextmanager
def _counted(connection: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _promises_to_judge(session: Session, portfolio: Any, agent: Any, n: int) -> None:
    """``n`` accounts each of kept, partially kept and broken promises (due 10 days ago)."""
    for paid in (10_000, 4_000, 0):
        for _ in range(n):
            account = b.account(session, portfolio, agent=agent, principal=50_000)
            session.add(
                Promise(
                    account_id=account.id,
                    amount_minor=10_000,
                    currency="PEN",
                    due_date=T - timedelta(days=10),
                    channel=ActionChannel.agent,
                    recorded_by_kind="agent",
                    created_at=datetime.combine(T - timedelta(days=15), time(15), UTC),
                )
            )
            if paid:
                b.ledger_entry(
                    session, account, EntryKind.payment, paid, effective_date=T - timedelta(days=12)
                )
    session.flush()


def _plans_to_break(session: Session, portfolio: Any, agent: Any, n: int) -> None:
    """``n`` plans with interest and their first instalment missed: each breaks, its interest
    is reversed and its account goes back to active."""
    for _ in range(n):
        account = b.account(session, portfolio, agent=agent, principal=20_000)
        rows: list[dict[str, Any]] = [
            {
                "number": k + 1,
                "due_date": (T - timedelta(days=20) + timedelta(days=30 * k)).isoformat(),
                "amount_minor": 10_500,
                "principal_minor": 10_000,
                "interest_minor": 500,
            }
            for k in range(2)
        ]
        plans._create_plan(
            session,
            SYSTEM,
            account,
            ActionChannel.agent,
            kind=PlanKind.instalments,
            offer_id=None,
            total=21_000,
            discount=0,
            frequency="monthly",
            rate=Decimal("0.05"),
            rows=rows,
        )
    session.flush()


def _statements_of_a_page(session: Session, page: Callable[[], Any]) -> tuple[int, Any]:
    """The statements one page runs, and its result; the page's writes are rolled back."""
    session.flush()
    savepoint = session.begin_nested()
    with _counted(session.connection()) as statements:
        result = page()
    savepoint.rollback()
    session.expire_all()
    return len(statements), result


@pytest.mark.parametrize("check", ["promises", "plans"])
def test_a_page_runs_the_same_statements_whatever_it_holds(session: Session, check: str) -> None:
    portfolio = b.portfolio(session, negotiation_policy=BUCKETED)
    agent = b.user(session, Role.agent)
    todays = {portfolio.id: T}

    def promise_page() -> promises.CheckResult:
        result = promises.CheckResult()
        promises.check_promise_page(
            session, SYSTEM, today_by_portfolio=todays, after=None, limit=1000, result=result
        )
        return result

    def plan_page() -> plans.PlanCheck:
        result = plans.PlanCheck()
        plans.check_plan_page(
            session, SYSTEM, today_by_portfolio=todays, after=None, limit=1000, result=result
        )
        return result

    build, page = (
        (_promises_to_judge, promise_page) if check == "promises" else (_plans_to_break, plan_page)
    )
    build(session, portfolio, agent, 1)
    few, small = _statements_of_a_page(session, page)
    build(session, portfolio, agent, 40)
    many, large = _statements_of_a_page(session, page)
    if check == "promises":
        assert (small.kept, small.partially_kept, small.broken, len(small.tasks)) == (1, 1, 1, 2)
        assert (large.kept, large.partially_kept, large.broken) == (41, 41, 41)
        assert len(large.tasks) == 82
    else:
        assert (small.broken, len(small.tasks), large.broken, len(large.tasks)) == (1, 1, 41, 41)
    assert many == few


def _seed(engine: Engine, seed: int) -> None:
    with session_scope(engine) as session:
        rng = random.Random(seed)
        _random_promises(session, rng, n=30)
        _random_plans(session, rng, n=20)


def _run_both(engine: Engine) -> dict[str, Any]:
    promised = run_promise_check(engine, page=4)
    planned = run_plan_check(engine, page=3)
    return {"promises": promised, "plans": planned}


def _outcome(engine: Engine) -> dict[str, Any]:
    """What the checks change, by status and kind (ids aside): equal runs, equal outcomes."""

    def grouped(session: Session, key: Any, *values: Any) -> list[tuple[Any, ...]]:
        query = select(key, func.count(), *values).group_by(key).order_by(key)
        return [tuple(row) for row in session.execute(query)]

    with session_scope(engine, write=False) as session:
        return {
            "promises": grouped(session, Promise.status, func.sum(Promise.paid_minor)),
            "plans": grouped(session, Plan.status, func.count(Plan.closed_at)),
            "instalments": grouped(session, PlanInstalment.status),
            "accounts": grouped(session, Account.status, func.sum(Account.balance_minor)),
            "tasks": grouped(session, Task.kind, func.count(func.distinct(Task.dedupe_key))),
            "events": grouped(
                session, AuditEvent.action, func.count(func.distinct(AuditEvent.entity_id))
            ),
            "entries": grouped(session, LedgerEntry.kind, func.sum(LedgerEntry.amount_minor)),
        }


def _balances_are_ledger_sums(engine: Engine) -> bool:
    with session_scope(engine, write=False) as session:
        sums = dict(
            session.execute(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor)).group_by(
                    LedgerEntry.account_id
                )
            ).all()
        )
        balances = dict(session.execute(select(Account.id, Account.balance_minor)).all())
    return all(balances[a] == sums.get(a, 0) for a in balances)


def test_two_workers_at_once_do_each_thing_once(database: Database) -> None:
    alone, together = database.fresh_copy(), database.fresh_copy()
    try:
        for engine in (alone, together):
            _seed(engine, 7)
        _run_both(alone)
        start = threading.Barrier(2)
        results: list[dict[str, Any]] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                start.wait()
                results.append(_run_both(together))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        expected = _outcome(alone)
        assert _outcome(together) == expected
        resolved = sum(n for status, n, _ in expected["promises"] if status != "open")
        assert resolved > 0
        assert resolved == sum(
            r["promises"].kept + r["promises"].partially_kept + r["promises"].broken
            for r in results
        )
        broken = sum(r["plans"].broken for r in results)
        assert broken == dict((s, n) for s, n, _ in expected["plans"])["broken"] > 0
        opened = [t for r in results for kind in ("promises", "plans") for t in r[kind].tasks]
        assert len(opened) == len(set(opened)) == sum(n for _, n, _ in expected["tasks"])
        assert _balances_are_ledger_sums(together)
        before = _outcome(together)
        again = _run_both(together)
        assert (again["promises"].tasks, again["plans"].tasks) == ([], [])
        assert _outcome(together) == before
    finally:
        alone.dispose()
        together.dispose()


class _Crash(Exception):
    pass


def test_a_run_that_crashed_halfway_resumes_without_doubling(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone, crashed = database.fresh_copy(), database.fresh_copy()
    try:
        for engine in (alone, crashed):
            _seed(engine, 11)
        _run_both(alone)
        for module in (promises, plans):
            real = module.tasks.open_selected
            calls = [0]

            def third_page_fails(
                *args: Any, real: Any = real, calls: list[int] = calls, **kw: Any
            ) -> None:
                real(*args, **kw)
                calls[0] += 1
                if calls[0] == 3:  # the third page's last write done, before its commit
                    raise _Crash

            monkeypatch.setattr(module.tasks, "open_selected", third_page_fails)
            job = run_promise_check if module is promises else run_plan_check
            with pytest.raises(_Crash):
                job(crashed, page=4 if module is promises else 3)
            monkeypatch.setattr(module.tasks, "open_selected", real)
        _run_both(crashed)
        assert _outcome(crashed) == _outcome(alone)
        assert _balances_are_ledger_sums(crashed)
    finally:
        alone.dispose()
        crashed.dispose()


def test_the_checks_on_an_empty_database(committed_engine: Engine) -> None:
    promised, planned = run_promise_check(committed_engine), run_plan_check(committed_engine)
    assert (promised.kept, promised.broken, promised.still_open, promised.tasks) == (0, 0, 0, [])
    assert (planned.broken, planned.still_active, planned.offers_expired) == (0, 0, 0)
