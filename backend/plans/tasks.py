"""Daily job: break plans with missed instalments, mark missed instalments, expire offers.

Periodic (hourly): each portfolio is judged on its own local date, so a run soon after local
midnight settles yesterday for that portfolio; re-runs change nothing.

Offers are expired in one UPDATE, then each page of plans is its own unit of work, committed
before the next: a page is idempotent on its own (broken plans are no longer active, missed
instalments stay missed, interest reversals and tasks carry keys), so a crash loses at most
one page, and account locks last one page, not the whole run.
"""

from __future__ import annotations

from sqlalchemy import Engine

from backend.aging import Clock
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.jobs.pages import in_pages
from backend.jobs.registry import job
from backend.plans import repository
from backend.plans.service import PAGE, PlanCheck, check_plan_page


def run_plan_check(engine: Engine | None = None, *, page: int = PAGE) -> PlanCheck:
    with session_scope(engine) as session:
        today_by_portfolio = Clock(session).all()
        result = PlanCheck(offers_expired=repository.expire_offers(session, utcnow()))
    in_pages(
        engine,
        lambda session, after: check_plan_page(
            session,
            Actor.system(),
            today_by_portfolio=today_by_portfolio,
            after=after,
            limit=page,
            result=result,
        ),
    )
    with session_scope(engine, write=False) as session:
        result.still_active = repository.count_active(session)
    return result


@job("plans.check", cron="10 * * * *")
def check_plans() -> None:
    run_plan_check()
