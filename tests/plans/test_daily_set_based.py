"""The set-based daily checks against the per-row ones they replaced (``reference_daily``):
on seeded random accounts over three timezones, both are run on the same data (the reference
in a savepoint rolled back) and every outcome is compared: promise and plan statuses, amounts,
instalments, ledger reversals, balances and statuses, tasks and audit events. Then the
boundaries spelled out: grace per aging bucket and per balance override, the portfolio's local
day, idempotent re-runs, tasks deduplicated, and the jobs committing per page."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor, snapshot
from backend.core.db import session_scope
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry
from backend.plans import service as plans
from backend.plans.models import Plan, PlanInstalment
from backend.plans.tasks import run_plan_check
from backend.promises import service as promises
from backend.promises.models import Promise
from backend.promises.tasks import run_promise_check
from backend.tasks.models import Task
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    EntryKind,
    InstalmentStatus,
    PlanKind,
    PromiseStatus,
    Role,
    TaskKind,
)
from tests import builders as b
from tests.plans import reference_daily as reference
from tests.plans.helpers import POLICY

SYSTEM = Actor.system()
T = date(2026, 3, 20)
#: Grace 3 days by default, 10 for debt over 90 days late, 1 for balances of 400.00 or more.
BUCKETED = {
    **POLICY,
    "overrides": [
        {"buckets": ["91-180", "181+"], "grace_days": 10},
        {"min_balance_minor": 40_000, "grace_days": 1},
    ],
}
ZONES = ("America/Lima", "Pacific/Auckland", "America/Mexico_City")


def _portfolios(session: Session):
    return [b.portfolio(session, tz=tz, negotiation_policy=BUCKETED) for tz in ZONES]


def _todays(portfolios) -> dict[uuid.UUID, date]:
    """Lima on T, Auckland a day ahead; Mexico City left out (the job's fallback)."""
    return {portfolios[0].id: T, portfolios[1].id: T + timedelta(days=1)}


def _pay(session: Session, account: Account, amount: int, on: date) -> LedgerEntry:
    """A payment straight in the ledger: nothing settles the promise before the check."""
    return b.ledger_entry(session, account, EntryKind.payment, amount, effective_date=on)


def _account(session, rng, portfolio, agents, **kw) -> Account:
    dpd = rng.choice([-5, 0, 10, 45, 120, 400])
    return b.account(
        session,
        portfolio,
        agent=rng.choice(agents),
        principal=rng.choice([20_000, 35_000, 60_000]),
        due_date=T - timedelta(days=dpd),
        **kw,
    )


def _random_promises(session: Session, rng: random.Random, n: int = 60) -> list:
    portfolios = _portfolios(session)
    agents = [None, b.user(session, Role.agent)]
    for _ in range(n):
        portfolio = rng.choice(portfolios)
        account = _account(session, rng, portfolio, agents)
        made = datetime.combine(T - timedelta(days=rng.randint(0, 15)), time(), UTC) + timedelta(
            minutes=rng.randint(0, 24 * 60 - 1)
        )
        amount = rng.choice([5_000, 10_000, 15_000])
        promise = Promise(
            account_id=account.id,
            amount_minor=amount,
            currency=account.currency,
            due_date=T - timedelta(days=rng.randint(-3, 13)),
            channel=ActionChannel.agent,
            recorded_by_kind="agent",
            created_at=made,
        )
        session.add(promise)
        session.flush()
        entries = []
        for _ in range(rng.randint(0, 3)):
            on = made.date() + timedelta(days=rng.randint(-2, 16))
            entries.append(_pay(session, account, int(amount * rng.choice([0.3, 0.5, 1])), on))
        if entries and rng.random() < 0.2:
            ledger.reverse(session, SYSTEM, entries[0].id, idempotency_key="undo", source="test")
        if rng.random() < 0.1:
            account.status = rng.choice([AccountStatus.written_off, AccountStatus.disputed])
            session.add(account)
    session.flush()
    return portfolios


def _random_plans(session: Session, rng: random.Random, n: int = 40) -> list:
    portfolios = _portfolios(session)
    agents = [None, b.user(session, Role.agent)]
    for i in range(n):
        portfolio = rng.choice(portfolios)
        account = _account(session, rng, portfolio, agents, days_past_due=30)
        count = rng.randint(1, 4)
        interest = rng.choice([0, 0, 500])
        start = T - timedelta(days=rng.randint(0, 60))
        rows: list[dict[str, Any]] = [
            {
                "number": k + 1,
                "due_date": (start + timedelta(days=15 * k)).isoformat(),
                "amount_minor": 5_000 + interest,
                "principal_minor": 5_000,
                "interest_minor": interest,
            }
            for k in range(count)
        ]
        plan = plans._create_plan(
            session,
            SYSTEM,
            account,
            ActionChannel.agent,
            kind=PlanKind.instalments,
            offer_id=None,
            total=count * (5_000 + interest),
            discount=0,
            frequency="biweekly",
            rate=Decimal("0.01") if interest else Decimal(0),
            rows=rows,
        )
        plan.grace_days = rng.choice([0, 3, 5])
        plan.missed_to_break = rng.choice([1, 2])
        session.add(plan)
        budget = rng.choice([0, 5_000, 7_500, 10_000, 30_000])
        for row in plans.repository.instalments(session, plan.id):
            row.paid_minor = min(budget, row.amount_minor)
            budget -= row.paid_minor
            if row.paid_minor >= row.amount_minor:
                row.status = InstalmentStatus.paid
            elif rng.random() < 0.3:
                row.status = InstalmentStatus.missed
            session.add(row)
        if interest and i % 7 == 0:  # only the interest left owing: the reversal pays it off
            _pay(session, account, account.balance_minor - count * interest, T)
        if interest and i % 11 == 0:  # reversed before (by the old job): not again
            entry = ledger.repository.by_key(session, account.id, f"plan:{plan.id}:interest")
            key = f"plan:{plan.id}:interest:reversal"
            ledger.reverse(session, SYSTEM, entry.id, idempotency_key=key, source="plan")
    session.flush()
    return portfolios


def _observe(session: Session, before: set[uuid.UUID]) -> dict[str, Any]:
    """Everything the checks may change, without generated ids and clock times."""
    session.flush()
    session.expire_all()
    tasks = {t.id: t for t in session.execute(select(Task)).scalars()}
    entries = {e.id: e for e in session.execute(select(LedgerEntry)).scalars()}

    def name(entity_type: str, entity_id: str) -> str:
        key = uuid.UUID(entity_id) if len(entity_id) == 36 else None
        if entity_type == "task" and key in tasks:
            return f"task:{tasks[key].dedupe_key}"
        if entity_type == "ledger_entry" and key in entries:
            return f"entry:{entries[key].account_id}:{entries[key].idempotency_key}"
        return f"{entity_type}:{entity_id}"

    def scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
        if values is None:
            return None
        return {k: v for k, v in values.items() if k not in ("id", "created_at")}

    events = sorted(
        (
            e.action,
            name(e.entity_type, e.entity_id),
            str(e.account_id),
            repr(e.before),
            repr(scrub(e.after)),
            e.actor_kind,
        )
        for e in session.execute(select(AuditEvent)).scalars()
        if e.id not in before
    )
    return {
        "promises": sorted(
            (str(p.id), p.status.value, p.paid_minor, p.resolved_at is not None)
            for p in session.execute(select(Promise)).scalars()
        ),
        "plans": sorted(
            (str(p.id), p.status.value, p.closed_at is not None)
            for p in session.execute(select(Plan)).scalars()
        ),
        "instalments": sorted(
            (str(r.id), r.status.value, r.paid_minor)
            for r in session.execute(select(PlanInstalment)).scalars()
        ),
        "accounts": sorted(
            (str(a.id), a.balance_minor, a.status.value)
            for a in session.execute(select(Account)).scalars()
        ),
        "entries": sorted(
            (
                str(e.account_id),
                e.kind.value,
                e.amount_minor,
                e.effective_date,
                e.idempotency_key,
                e.source,
                e.description,
                str(entries[e.reverses_entry_id].idempotency_key) if e.reverses_entry_id else "",
            )
            for e in entries.values()
        ),
        "tasks": sorted(
            (
                str(t.account_id),
                str(t.assignee_id),
                t.kind.value,
                t.due_date,
                repr(sorted(t.payload.items())),
                t.dedupe_key,
                t.status.value,
            )
            for t in tasks.values()
        ),
        "events": events,
    }


def _compare(session: Session, old, new) -> dict[str, Any]:
    """Run ``old`` in a savepoint rolled back, then ``new``; both observations must match."""
    before = set(session.execute(select(AuditEvent.id)).scalars())
    savepoint = session.begin_nested()
    old()
    expected = _observe(session, before)
    savepoint.rollback()
    session.expire_all()
    new()
    actual = _observe(session, before)
    for part in expected:
        assert actual[part] == expected[part], part
    return actual


def test_promises_match_the_per_row_check(session: Session) -> None:
    portfolios = _random_promises(session, random.Random(11))
    todays = _todays(portfolios)
    seen = _compare(
        session,
        lambda: reference.check_open_promises(session, SYSTEM, today_by_portfolio=todays),
        lambda: promises.check_open_promises(session, SYSTEM, today_by_portfolio=todays, chunk=7),
    )
    outcomes = {status for _, status, _, _ in seen["promises"]}
    assert outcomes == {"open", "kept", "partially_kept", "broken"}  # the data covers them all
    again = promises.check_open_promises(session, SYSTEM, today_by_portfolio=todays, chunk=7)
    assert (again.kept, again.partially_kept, again.broken, again.tasks) == (0, 0, 0, [])
    assert again.still_open == sum(1 for p in seen["promises"] if p[1] == "open")


def test_plans_match_the_per_row_check(session: Session) -> None:
    portfolios = _random_plans(session, random.Random(5))
    todays = _todays(portfolios)
    seen = _compare(
        session,
        lambda: reference.check_active_plans(session, SYSTEM, today_by_portfolio=todays),
        lambda: plans.check_active_plans(session, SYSTEM, today_by_portfolio=todays, chunk=3),
    )
    statuses = {status for _, status, _ in seen["plans"]}
    assert statuses == {"active", "broken"}
    assert any(e[0] == "ledger.reversal" for e in seen["events"])
    assert any(e[0] == "account.status_changed" for e in seen["events"])  # paid off by it
    assert any(i[1] == "missed" for i in seen["instalments"])
    before = set(session.execute(select(AuditEvent.id)).scalars())
    again = plans.check_active_plans(session, SYSTEM, today_by_portfolio=todays, chunk=3)
    assert (again.broken, again.tasks) == (0, [])
    assert again.still_active == sum(1 for p in seen["plans"] if p[1] == "active")
    assert _observe(session, before) == {**seen, "events": []}


def _one_promise(session, portfolio, *, dpd: int, principal: int = 20_000, due: date, made=None):
    account = b.account(session, portfolio, principal=principal, due_date=T - timedelta(days=dpd))
    promise = Promise(
        account_id=account.id,
        amount_minor=10_000,
        currency="PEN",
        due_date=due,
        channel=ActionChannel.agent,
        recorded_by_kind="agent",
        created_at=made or datetime.combine(due - timedelta(days=5), time(15), UTC),
    )
    session.add(promise)
    session.flush()
    return account, promise


def _status(session: Session, promise: Promise) -> str:
    session.refresh(promise)
    return promise.status.value


def test_grace_by_bucket_and_balance(session: Session) -> None:
    lima = b.portfolio(session, negotiation_policy=BUCKETED)
    due = T - timedelta(days=5)
    young = _one_promise(session, lima, dpd=10, due=due)[1]  # grace 3: broken on due + 4
    old = _one_promise(session, lima, dpd=120, due=due)[1]  # grace 10: open until due + 10
    big = _one_promise(session, lima, dpd=10, principal=50_000, due=T - timedelta(days=1))[1]
    for day, expected in ((due + timedelta(days=3), ("open", "open")), (T, ("broken", "open"))):
        promises.check_open_promises(session, SYSTEM, today_by_portfolio={lima.id: day})
        assert (_status(session, young), _status(session, old)) == expected
    assert _status(session, big) == "open"  # grace 1: due T - 1 is still in grace on T
    promises.check_open_promises(
        session, SYSTEM, today_by_portfolio={lima.id: T + timedelta(days=1)}
    )
    assert _status(session, big) == "broken"
    promises.check_open_promises(
        session, SYSTEM, today_by_portfolio={lima.id: due + timedelta(days=11)}
    )
    assert _status(session, old) == "broken"


def test_money_counts_from_the_local_day_made_to_the_last_grace_day(session: Session) -> None:
    lima = b.portfolio(session, negotiation_policy=BUCKETED)
    due = T - timedelta(days=10)
    made = datetime(2026, 3, 6, 2, 30, tzinfo=UTC)  # 21:30 on 5 March in Lima
    on_day_made, _ = _one_promise(session, lima, dpd=10, due=due, made=made)
    _pay(session, on_day_made, 10_000, date(2026, 3, 5))
    day_before, p2 = _one_promise(session, lima, dpd=10, due=due, made=made)
    _pay(session, day_before, 10_000, date(2026, 3, 4))
    last_grace_day, p3 = _one_promise(session, lima, dpd=10, due=due, made=made)
    _pay(session, last_grace_day, 10_000, due + timedelta(days=3))
    too_late, p4 = _one_promise(session, lima, dpd=10, due=due, made=made)
    _pay(session, too_late, 4_000, due + timedelta(days=3))
    _pay(session, too_late, 6_000, due + timedelta(days=4))
    result = promises.check_open_promises(session, SYSTEM, today_by_portfolio={lima.id: T})
    first = session.execute(select(Promise).where(Promise.account_id == on_day_made.id)).scalar()
    assert [_status(session, p) for p in (first, p2, p3, p4)] == [
        "kept",
        "broken",
        "kept",
        "partially_kept",
    ]
    assert (p4.paid_minor, result.kept, result.partially_kept, result.broken) == (4_000, 2, 1, 1)


def test_audit_rows_and_tasks_once(session: Session) -> None:
    agent = b.user(session, Role.agent)
    lima = b.portfolio(session, negotiation_policy=BUCKETED)
    account, promise = _one_promise(session, lima, dpd=10, due=T - timedelta(days=9))
    account.assigned_agent_id = agent.id
    session.add(account)
    _pay(session, account, 2_500, T - timedelta(days=9))
    # A follow-up opened earlier under the same key (a crashed run, say) is not opened again.
    other, stale = _one_promise(session, lima, dpd=10, due=T - timedelta(days=9))
    existing = Task(
        account_id=other.id,
        kind=TaskKind.follow_up_broken_promise,
        due_date=T,
        payload={},
        dedupe_key=f"promise:{stale.id}:broken",
    )
    session.add(existing)
    session.flush()
    result = promises.check_open_promises(session, SYSTEM, today_by_portfolio={lima.id: T})
    assert (result.partially_kept, result.broken) == (1, 1)
    task = session.execute(select(Task).where(Task.account_id == account.id)).scalar_one()
    assert set(result.tasks) == {task.id, existing.id}
    assert task.assignee_id == agent.id and task.due_date == T
    assert task.payload == {
        "promise_id": str(promise.id),
        "amount_minor": 10_000,
        "paid_minor": 2_500,
        "days_past_due": 10,
    }
    events = session.execute(
        select(AuditEvent).where(AuditEvent.account_id == account.id).order_by(AuditEvent.id)
    ).scalars()
    mine = [(e.action, e.entity_id, e.before, e.after) for e in events][-2:]
    assert mine[0] == (
        "promise.partially_kept",
        str(promise.id),
        {"status": "open"},
        {"status": "partially_kept", "paid_minor": 2_500},
    )
    assert mine[1][:3] == ("task.created", str(task.id), None)
    assert mine[1][3] == snapshot(task)
    assert session.execute(select(func.count()).select_from(Task)).scalar() == 2
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    again = promises.check_open_promises(session, SYSTEM, today_by_portfolio={lima.id: T})
    assert (again.partially_kept, again.broken, again.tasks) == (0, 0, [])
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar() == count


def _counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine, write=False) as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Promise, Plan, PlanInstalment, Task, AuditEvent, LedgerEntry)
        } | {
            "open": session.execute(
                select(func.count()).where(Promise.status == PromiseStatus.open)
            ).scalar_one(),
            "missed": session.execute(
                select(func.count()).where(PlanInstalment.status == InstalmentStatus.missed)
            ).scalar_one(),
        }


def test_jobs_commit_per_page_and_rerun_changes_nothing(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        rng = random.Random(3)
        _random_promises(session, rng, n=12)
        _random_plans(session, rng, n=8)
    first = run_promise_check(committed_engine, page=2)
    first_plans = run_plan_check(committed_engine, page=2)
    assert first.kept + first.partially_kept + first.broken > 0 and first_plans.broken > 0
    counts = _counts(committed_engine)
    second = run_promise_check(committed_engine, page=2)
    second_plans = run_plan_check(committed_engine, page=2)
    assert (second.kept, second.partially_kept, second.broken, second.tasks) == (0, 0, 0, [])
    assert (second_plans.broken, second_plans.tasks) == (0, [])
    assert second.still_open == first.still_open and counts["open"] == first.still_open
    assert _counts(committed_engine) == counts
