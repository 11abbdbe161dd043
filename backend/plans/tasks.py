"""Daily job: break plans with missed instalments, mark missed instalments, expire offers."""

from __future__ import annotations

from sqlalchemy import Engine

from backend.aging import Clock
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.plans.service import PlanCheck, check_active_plans


def run_plan_check(engine: Engine | None = None) -> PlanCheck:
    with session_scope(engine) as session:
        return check_active_plans(session, Actor.system(), today_by_portfolio=Clock(session).all())
