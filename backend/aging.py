"""Aging: how late an account is, which statuses are still collected, and each portfolio's
'today' in its own timezone.

A leaf: it reads account and portfolio rows and imports no domain service, so accounts,
ledger, plans, promises, policies and field can all depend on it without a cycle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_
from sqlmodel import Session

from backend.accounts.models import Account
from backend.core.clock import today_in
from backend.core.sqlbuild import days_between
from backend.creditors import repository as creditors_repository
from shared.schemas.enums import BUCKET_RANGES, AccountStatus, AgingBucket

OPEN_STATUSES = (AccountStatus.active, AccountStatus.in_plan, AccountStatus.disputed)


def days_past_due(account: Account, today: date) -> int:
    """Days since the due date while something is owed; 0 once nothing is."""
    return overdue_days(account.balance_minor, account.due_date, today)


def overdue_days(balance_minor: int, due_date: date, today: date) -> int:
    """``days_past_due`` from the two columns it reads (for jobs that read columns, not rows)."""
    if balance_minor <= 0 or due_date >= today:
        return 0
    return (today - due_date).days


def overdue_days_sql(balance_minor: Any, due_date: Any, today: Any) -> ColumnElement[int]:
    """``overdue_days`` in SQL, of columns and a date (a column or a value)."""
    return case(
        (or_(balance_minor <= 0, due_date >= today), 0),
        else_=days_between(today, due_date),
    )


def in_bucket_sql(bucket: AgingBucket, balance_minor: Any, due_date: Any, today: date) -> Any:
    """SQL: the account (its balance and due date columns) is in ``bucket`` on ``today``, as
    ``bucket_for(overdue_days(...))`` tells; a due-date range, so an index can serve it."""
    low, high = BUCKET_RANGES[bucket]
    if bucket == AgingBucket.CURRENT:
        return or_(balance_minor <= 0, due_date >= today)
    bounds = [due_date <= today - timedelta(days=low)]
    if high is not None:
        bounds.append(due_date >= today - timedelta(days=high))
    return and_(balance_minor > 0, *bounds)


@dataclass(slots=True)
class Clock:
    """Each portfolio's 'today' in its own timezone, looked up once per request."""

    session: Session
    _today: dict[uuid.UUID, date] | None = None

    def all(self) -> dict[uuid.UUID, date]:
        if self._today is None:
            tzs = creditors_repository.timezones(self.session)
            self._today = {pid: today_in(tz) for pid, tz in tzs.items()}
        return self._today

    def today(self, portfolio_id: uuid.UUID) -> date:
        return self.all()[portfolio_id]
