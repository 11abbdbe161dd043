"""Periodic job: each portfolio's aging snapshot of yesterday (its own local date) and its roll
of the last complete month, when missing, and its daily KPI facts up to yesterday (once a
day, rewriting the days still settling: ``backend.analytics.daily``). Each portfolio is its
own unit of work; a rerun finds them written and does nothing, and a rebuild
(``snapshot_days``) changes nothing twice."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import Engine

from backend.aging import Clock
from backend.analytics import daily, snapshots
from backend.core.db import session_scope
from backend.jobs.registry import job


def previous_month(day: date) -> date:
    """The first day of the month before the one ``day`` falls in."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def run_snapshots(engine: Engine | None = None) -> int:
    """Write what is missing; how many snapshots (days, months, daily facts) were written."""
    with session_scope(engine, write=False) as session:
        today_by_portfolio = Clock(session).all()
    written = 0
    for portfolio_id, today in today_by_portfolio.items():
        yesterday = today - timedelta(days=1)
        month = previous_month(today)
        with session_scope(engine) as session:
            if not snapshots.has_aging(session, portfolio_id, yesterday):
                snapshots.write_aging(session, portfolio_id, yesterday)
                written += 1
            if not snapshots.has_rolls(session, portfolio_id, month):
                snapshots.write_rolls(session, portfolio_id, month)
                written += 1
            if daily.refresh(session, portfolio_id, yesterday):
                written += 1
    return written


def snapshot_days(
    portfolio_id: uuid.UUID, first: date, last: date, engine: Engine | None = None
) -> None:
    """Rebuild a portfolio's history: the aging of every day and the roll of every month from
    ``first`` to ``last`` (a backfill after an import of old accounts, or a correction)."""
    day = first
    while day <= last:
        with session_scope(engine) as session:
            snapshots.write_aging(session, portfolio_id, day)
            if day == snapshots.month_end(day):
                snapshots.write_rolls(session, portfolio_id, day)
        day += timedelta(days=1)


@job("analytics.snapshot", cron="20 * * * *")
def snapshot() -> None:
    run_snapshots()
