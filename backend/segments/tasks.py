"""The hourly evaluation of every portfolio's segments (each portfolio its own unit of work):
days past due, balances, scores and broken promises move accounts between segments."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import col, select

from backend.core.db import session_scope
from backend.creditors.models import Portfolio
from backend.jobs.registry import job
from backend.segments import service


@job("segments.evaluate", cron="50 * * * *")
def evaluate_segments() -> dict[str, int]:
    return run_evaluation()


def run_evaluation(engine: Engine | None = None) -> dict[str, int]:
    """Open accounts evaluated, per portfolio."""
    with session_scope(engine, write=False) as session:
        ids = list(session.execute(select(Portfolio.id).order_by(col(Portfolio.id))).scalars())
    counts: dict[str, int] = {}
    for portfolio_id in ids:
        with session_scope(engine) as session:
            found = service.evaluate(session, session.get_one(Portfolio, portfolio_id))
        counts[str(portfolio_id)] = found.accounts
    return counts
