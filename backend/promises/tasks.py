"""Daily job: judge open promises (kept, partially kept, broken) and open follow-up tasks.

Periodic (hourly): each portfolio is judged on its own local date; re-runs change nothing.

Each page of promises is its own unit of work, committed before the next: a page is
idempotent on its own (resolved promises are no longer open, tasks carry dedupe keys), so a
crash loses at most one page, which the retry judges again; row locks on accounts last one
page, not the whole run, and a million promises never sit in one transaction.
"""

from __future__ import annotations

from sqlalchemy import Engine

from backend.aging import Clock
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.jobs.pages import in_pages
from backend.jobs.registry import job
from backend.promises import repository
from backend.promises.service import PAGE, CheckResult, check_promise_page


def run_promise_check(engine: Engine | None = None, *, page: int = PAGE) -> CheckResult:
    with session_scope(engine, write=False) as session:
        today_by_portfolio = Clock(session).all()
    result = CheckResult()
    in_pages(
        engine,
        lambda session, after: check_promise_page(
            session,
            Actor.system(),
            today_by_portfolio=today_by_portfolio,
            after=after,
            limit=page,
            result=result,
        ),
    )
    with session_scope(engine, write=False) as session:
        result.still_open = repository.count_open(session)
    return result


@job("promises.check", cron="5 * * * *")
def check_promises() -> None:
    run_promise_check()
