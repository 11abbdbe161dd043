"""Daily job: break plans with missed instalments, mark missed instalments, expire offers.

Periodic (hourly): each portfolio is judged on its own local date, so a run soon after local
midnight settles yesterday for that portfolio; re-runs change nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from backend.aging import Clock
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.jobs.registry import job
from backend.plans.service import PlanCheck, check_active_plans


def run_plan_check(engine: Engine | None = None) -> PlanCheck:
    with session_scope(engine) as session:
        return check_active_plans(session, Actor.system(), today_by_portfolio=Clock(session).all())


@job("plans.check", cron="10 * * * *")
def check_plans() -> None:
    run_plan_check()
