"""The daily checks as they were before they became set-based (commit 2734f7f), one row at a
time through the ORM: the reference the set-based versions are compared with, row for row.

Only the queries they used are inlined here; everything else (policies, ``_close``,
``open_task``, audit) is the live code they called."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES, days_past_due
from backend.audit.service import Actor
from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.negotiation.breach import missed_instalments
from backend.plans import service as plans
from backend.plans.models import Plan, PlanInstalment
from backend.policies.service import resolved_for
from backend.promises import service as promises
from backend.promises.models import Promise
from backend.tasks import service as tasks
from shared.schemas.enums import (
    EntryKind,
    InstalmentStatus,
    PlanStatus,
    PromiseStatus,
    TaskKind,
)


def _accounts(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Account]:
    rows = session.execute(select(Account).where(col(Account.id).in_(ids))).scalars()
    return {a.id: a for a in rows}


def _payment_rows(session: Session, account_ids: list[uuid.UUID], since: date):
    payment_ids = select(LedgerEntry.id).where(
        col(LedgerEntry.account_id).in_(account_ids), LedgerEntry.kind == EntryKind.payment
    )
    query = select(
        LedgerEntry.account_id, LedgerEntry.effective_date, LedgerEntry.amount_minor
    ).where(
        col(LedgerEntry.account_id).in_(account_ids),
        LedgerEntry.effective_date >= since,
        (LedgerEntry.kind == EntryKind.payment)
        | (col(LedgerEntry.reverses_entry_id).in_(payment_ids)),
    )
    return [(a, d, -amount) for a, d, amount in session.execute(query)]


def check_open_promises(
    session: Session, actor: Actor, *, today_by_portfolio: dict[uuid.UUID, date]
) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    horizon = max(today_by_portfolio.values(), default=date.today())
    query = select(Promise).where(Promise.status == PromiseStatus.open).order_by(col(Promise.id))
    batch = list(session.execute(query).scalars())
    if not batch:
        return counts
    accounts = _accounts(session, [p.account_id for p in batch])
    since = min(p.created_at.date() for p in batch) - timedelta(days=1)
    received: dict[uuid.UUID, list[tuple[date, int]]] = defaultdict(list)
    for account_id, day, amount in _payment_rows(session, list(accounts), since):
        received[account_id].append((day, amount))
    for promise in batch:
        account = accounts[promise.account_id]
        today = today_by_portfolio.get(account.portfolio_id, horizon)
        portfolio = session.get(Portfolio, account.portfolio_id)
        grace = resolved_for(session, account, today).grace_days
        deadline = promise.due_date + timedelta(days=grace)
        start = promises.promise_day(promise, portfolio.timezone)
        paid = sum(a for day, a in received[account.id] if start <= day <= deadline)
        if paid >= promise.amount_minor:
            status = PromiseStatus.kept
        elif today <= deadline:
            counts["still_open"] += 1
            continue
        else:
            status = PromiseStatus.partially_kept if paid > 0 else PromiseStatus.broken
        promises._resolve(session, actor, promise, status, paid)
        counts[status.value] += 1
        if status != PromiseStatus.kept and account.status in OPEN_STATUSES:
            tasks.open_task(
                session,
                actor,
                account,
                TaskKind.follow_up_broken_promise,
                today,
                {
                    "promise_id": str(promise.id),
                    "amount_minor": promise.amount_minor,
                    "paid_minor": paid,
                    "days_past_due": days_past_due(account, today),
                },
                dedupe_key=f"promise:{promise.id}:{status.value}",
            )
    session.flush()
    return counts


def check_active_plans(
    session: Session, actor: Actor, *, today_by_portfolio: dict[uuid.UUID, date]
) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    query = select(Plan).where(Plan.status == PlanStatus.active).order_by(col(Plan.id))
    batch = list(session.execute(query).scalars())
    accounts = _accounts(session, [p.account_id for p in batch])
    for plan in batch:
        account = accounts[plan.account_id]
        today = today_by_portfolio.get(account.portfolio_id) or plans.local_today(session, account)
        rows = list(
            session.execute(
                select(PlanInstalment)
                .where(PlanInstalment.plan_id == plan.id)
                .order_by(col(PlanInstalment.number))
            ).scalars()
        )
        paid = sum(r.paid_minor for r in rows)
        for row in rows:
            late = today > row.due_date + timedelta(days=plan.grace_days)
            if late and row.paid_minor < row.amount_minor and row.status != InstalmentStatus.missed:
                row.status = InstalmentStatus.missed
                session.add(row)
        if missed_instalments(rows, paid, today, plan.grace_days) < plan.missed_to_break:
            counts["still_active"] += 1
            continue
        plans._close(session, actor, plan, account, PlanStatus.broken, {"paid_minor": paid})
        tasks.open_task(
            session,
            actor,
            account,
            TaskKind.follow_up_broken_plan,
            today,
            {"plan_id": str(plan.id), "paid_minor": paid, "total_minor": plan.total_minor},
            dedupe_key=f"plan:{plan.id}:broken",
        )
        counts["broken"] += 1
    session.flush()
    return counts
