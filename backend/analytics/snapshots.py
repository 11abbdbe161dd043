"""The snapshots the dashboard reads: each portfolio's aging on a day and its roll between two
month ends, rebuilt from the ledger in one ``INSERT ... SELECT`` each (set-based: no account
passes through Python).

An account's balance on a day is the sum of its ledger entries effective by then; its bucket
that day follows ``shared.schemas.enums.BUCKET_RANGES`` from its due date (``paid`` when it owes
nothing). Accounts with no entry by then did not exist yet for the portfolio and are left out.
Each row also carries the accounts' assigned agent and stored segment (``account_segments``,
NULL for none) as they are when it is written: the agent and segment filters narrow the rows,
and the figures without them are the sum over every agent and segment.
A rebuild locks the portfolio's row, deletes what the day (month) had and writes it again: the
same answer however often and however concurrently it runs.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, delete, func, insert, literal, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.analytics.models import AgingSnapshot, RollSnapshot
from backend.core.clock import utcnow
from backend.core.db import UTCDateTime
from backend.core.sqlbuild import new_id
from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.segments.models import AccountSegment
from shared.schemas.enums import BUCKET_RANGES, AgingBucket

PAID = "paid"
DELINQUENT = tuple(b.value for b in AgingBucket if b != AgingBucket.CURRENT)
STATES = (*(b.value for b in AgingBucket), PAID)


def bucket_on(balance: Any, due_date: Any, day: date) -> Any:
    """SQL: the state of an account owing ``balance`` with ``due_date`` at the end of ``day``."""
    whens: list[tuple[Any, str]] = [(balance <= 0, PAID), (due_date >= day, "current")]
    last = AgingBucket.CURRENT.value
    for bucket, (_, high) in BUCKET_RANGES.items():
        if bucket == AgingBucket.CURRENT:
            continue
        if high is None:
            last = bucket.value
        else:
            whens.append((due_date >= day - timedelta(days=high), bucket.value))
    return case(*whens, else_=last)


def month_end(month: date) -> date:
    """The last day of the month ``month`` falls in."""
    following = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def _lock(session: Session, portfolio_id: uuid.UUID) -> None:
    session.execute(select(Portfolio.id).where(Portfolio.id == portfolio_id).with_for_update())


def balances_on(day: date, portfolio_id: uuid.UUID | None = None) -> Any:
    """Per account: its portfolio, agent, due date and balance at the end of ``day``."""
    query = (
        select(
            Account.id.label("account_id"),
            Account.portfolio_id,
            Account.assigned_agent_id.label("agent_id"),
            Account.due_date,
            func.sum(LedgerEntry.amount_minor).label("balance"),
        )
        .join(
            LedgerEntry,
            and_(LedgerEntry.account_id == Account.id, LedgerEntry.effective_date <= day),
        )
        .group_by(Account.id, Account.portfolio_id, Account.assigned_agent_id, Account.due_date)
    )
    if portfolio_id is not None:
        query = query.where(Account.portfolio_id == portfolio_id)
    return query.subquery("balances")


def balances_between(start: date, end: date, portfolio_id: uuid.UUID | None = None) -> Any:
    """Per account: its balance at the end of ``start`` and at the end of ``end``."""
    query = (
        select(
            Account.id.label("account_id"),
            Account.portfolio_id,
            Account.assigned_agent_id.label("agent_id"),
            Account.due_date,
            func.sum(
                case((LedgerEntry.effective_date <= start, LedgerEntry.amount_minor), else_=0)
            ).label("opening"),
            func.sum(LedgerEntry.amount_minor).label("closing"),
        )
        .join(
            LedgerEntry,
            and_(LedgerEntry.account_id == Account.id, LedgerEntry.effective_date <= end),
        )
        .group_by(Account.id, Account.portfolio_id, Account.assigned_agent_id, Account.due_date)
    )
    if portfolio_id is not None:
        query = query.where(Account.portfolio_id == portfolio_id)
    return query.subquery("balances")


def _with_segment(query: Any, rows: Any) -> Any:
    """``query`` over ``rows`` joined to each account's stored segment, if it has one."""
    return query.select_from(rows).outerjoin(
        AccountSegment, AccountSegment.account_id == rows.c.account_id
    )


def write_aging(session: Session, portfolio_id: uuid.UUID, day: date) -> None:
    """Rebuild the portfolio's aging snapshot of ``day``."""
    _lock(session, portfolio_id)
    session.execute(
        delete(AgingSnapshot).where(
            AgingSnapshot.portfolio_id == portfolio_id, AgingSnapshot.day == day
        )
    )
    rows = balances_on(day, portfolio_id)
    bucket = bucket_on(rows.c.balance, rows.c.due_date, day).label("bucket")
    segment = AccountSegment.segment
    source = (
        _with_segment(
            select(
                new_id(),
                literal(day, Date()),
                rows.c.portfolio_id,
                rows.c.agent_id,
                segment,
                bucket,
                func.count(),
                func.sum(rows.c.balance),
                literal(utcnow(), UTCDateTime()),
            ),
            rows,
        )
        .where(rows.c.balance > 0)
        .group_by(rows.c.portfolio_id, rows.c.agent_id, segment, bucket)
    )
    columns = ["id", "day", "portfolio_id", "agent_id", "segment", "bucket", "accounts"]
    session.execute(
        insert(AgingSnapshot).from_select([*columns, "balance_minor", "created_at"], source)
    )


def write_rolls(session: Session, portfolio_id: uuid.UUID, month: date) -> None:
    """Rebuild the portfolio's roll of ``month``: from the end of the month before to the end
    of ``month``, for the accounts that owed something at the start."""
    month = month.replace(day=1)
    start, end = month - timedelta(days=1), month_end(month)
    _lock(session, portfolio_id)
    session.execute(
        delete(RollSnapshot).where(
            RollSnapshot.portfolio_id == portfolio_id, RollSnapshot.month == month
        )
    )
    rows = balances_between(start, end, portfolio_id)
    before = bucket_on(rows.c.opening, rows.c.due_date, start).label("from_bucket")
    after = bucket_on(rows.c.closing, rows.c.due_date, end).label("to_bucket")
    segment = AccountSegment.segment
    source = (
        _with_segment(
            select(
                new_id(),
                literal(month, Date()),
                rows.c.portfolio_id,
                rows.c.agent_id,
                segment,
                before,
                after,
                func.count(),
                func.sum(rows.c.opening),
                literal(utcnow(), UTCDateTime()),
            ),
            rows,
        )
        .where(rows.c.opening > 0)
        .group_by(rows.c.portfolio_id, rows.c.agent_id, segment, before, after)
    )
    columns = ["id", "month", "portfolio_id", "agent_id", "segment", "from_bucket", "to_bucket"]
    session.execute(
        insert(RollSnapshot).from_select(
            [*columns, "accounts", "balance_minor", "created_at"], source
        )
    )


def has_aging(session: Session, portfolio_id: uuid.UUID, day: date) -> bool:
    query = select(AgingSnapshot.id).where(
        AgingSnapshot.portfolio_id == portfolio_id, AgingSnapshot.day == day
    )
    return session.execute(query.limit(1)).first() is not None


def has_rolls(session: Session, portfolio_id: uuid.UUID, month: date) -> bool:
    query = select(RollSnapshot.id).where(
        RollSnapshot.portfolio_id == portfolio_id, RollSnapshot.month == month
    )
    return session.execute(query.limit(1)).first() is not None
