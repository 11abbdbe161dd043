"""Periodic jobs: plan each portfolio's reminders for its local day, and send those due.

Planning runs every quarter hour (a day planned again adds nothing; accounts that became due or
were imported since are picked up); each portfolio is its own unit of work. Sending runs every
minute and works through due reminders in batches until none are left, on any number of
workers (claims skip each other's rows).
"""

from __future__ import annotations

from functools import lru_cache

from sqlmodel import col, select

from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.creditors.models import Portfolio
from backend.jobs.registry import job
from backend.outbound.channels.base import Sender
from backend.outbound.channels.ratelimit import RateLimiter
from backend.outbound.channels.registry import build_limiter, configured_senders
from backend.outbound.planner import PlanReport, plan_portfolio
from backend.outbound.sending import BATCH, SendReport, add, send_due
from shared.schemas.enums import Channel

MAX_BATCHES = 40  # per run: the next minute's run takes the rest


@job("outbound.plan", cron="*/15 * * * *")
def plan_reminders() -> list[PlanReport]:
    with session_scope(write=False) as session:
        portfolios = list(
            session.execute(select(Portfolio.id, Portfolio.timezone).order_by(col(Portfolio.id)))
        )
    reports = []
    for portfolio_id, timezone in portfolios:
        with session_scope() as session:
            reports.append(
                plan_portfolio(session, Actor.system(), portfolio_id, today_in(timezone))
            )
    return reports


@job("outbound.send", cron="* * * * *")
def send_reminders() -> SendReport:
    senders, limiter = _channels()
    total = SendReport()
    for _ in range(MAX_BATCHES):
        report = send_due(senders, limiter)
        add(total, report)
        if report.claimed < BATCH:  # none left due
            break
    return total


@lru_cache(maxsize=1)
def _channels() -> tuple[dict[Channel, Sender], RateLimiter]:
    """This process's senders and limiter, built once from the settings."""
    settings = get_settings()
    return configured_senders(settings), build_limiter(settings)
