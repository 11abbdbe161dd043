"""Daily job: judge open promises (kept, partially kept, broken) and open follow-up tasks.

Periodic (hourly): each portfolio is judged on its own local date; re-runs change nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from backend.aging import Clock
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.jobs.registry import job
from backend.promises.service import CheckResult, check_open_promises


def run_promise_check(engine: Engine | None = None) -> CheckResult:
    with session_scope(engine) as session:
        return check_open_promises(session, Actor.system(), today_by_portfolio=Clock(session).all())


@job("promises.check", cron="5 * * * *")
def check_promises() -> None:
    run_promise_check()
