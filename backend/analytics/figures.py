"""The accounts behind a figure of the dashboard, named by a figure code:

``aging:DAY:BUCKET``, ``roll:MONTH:FROM:TO``, ``cure:MONTH``, ``cohort:MONTH``,
``promises:STATUS`` (``made`` for all), ``survival:N:current|lapsed|all``,
``collected:CHANNEL``, ``agent:ID:visits|far|contacts|promises|kept|collected``,
``channel:CHANNEL:STEP:sent|delivered|read|replied|paid|opted_out`` (DAY ``2026-03-31``,
MONTH ``2026-03``; an empty STEP is written as ``-``). No code: every account in reach.

Each code selects account ids from the same fact query its figure was counted from; the
caller (``service.account_rows``) keeps them to the accounts in reach. For aging, roll and
cure, recomputed from the ledger, that reach is the accounts' agent and stored segment today,
where their snapshot kept those of when it was written: the two agree while neither moved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select

from backend.analytics import repository, snapshots, team
from backend.analytics.filters import Filters
from backend.core.errors import ValidationFailed
from shared.schemas.enums import PromiseStatus

PROMISE_FIGURES = ("made", "kept", "partially_kept", "broken", "open")
AGENT_FIGURES = ("visits", "far", "contacts", "promises", "kept", "collected")
CHANNEL_FIGURES = ("sent", "delivered", "read", "replied", "paid", "opted_out")


class InvalidFigure(ValidationFailed):
    code = "invalid_figure"

    def __init__(self) -> None:
        super().__init__("error.invalid_figure")


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidFigure() from None
    if not 1900 <= day.year <= 2999:  # a month or a day either side stays a date
        raise InvalidFigure()
    return day


def _month(text: str) -> date:
    if len(text) != 7:
        raise InvalidFigure()
    return _day(f"{text}-01")


def _state(text: str) -> str:
    if text not in snapshots.STATES:
        raise InvalidFigure()
    return text


def _one_of(text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise InvalidFigure()
    return text


def _aging(f: Filters, day: str, bucket: str) -> Select[Any]:
    on = _day(day)
    rows = snapshots.balances_on(on)
    return select(rows.c.account_id).where(
        rows.c.balance > 0,
        snapshots.bucket_on(rows.c.balance, rows.c.due_date, on) == _state(bucket),
        *f.portfolios(rows.c.portfolio_id),
    )


def _rolled(f: Filters, month: str, states: Callable[[Any, Any], Any]) -> Select[Any]:
    first = _month(month)
    start, end = first - timedelta(days=1), snapshots.month_end(first)
    rows = snapshots.balances_between(start, end)
    before = snapshots.bucket_on(rows.c.opening, rows.c.due_date, start)
    after = snapshots.bucket_on(rows.c.closing, rows.c.due_date, end)
    return select(rows.c.account_id).where(
        rows.c.opening > 0, states(before, after), *f.portfolios(rows.c.portfolio_id)
    )


def _roll(f: Filters, month: str, source: str, target: str) -> Select[Any]:
    a, b = _state(source), _state(target)
    return _rolled(f, month, lambda before, after: (before == a) & (after == b))


def _cure(f: Filters, month: str) -> Select[Any]:
    return _rolled(
        f,
        month,
        lambda before, after: (
            before.in_(snapshots.DELINQUENT) & after.in_(("current", snapshots.PAID))
        ),
    )


def _cohort(f: Filters, month: str) -> Select[Any]:
    facts = repository.cohort_facts(f).subquery()
    return select(facts.c.account_id).where(facts.c.cohort == _month(month))


def _promises(f: Filters, status: str) -> Select[Any]:
    facts = repository.promise_facts(f).subquery()
    query = select(facts.c.account_id)
    if _one_of(status, PROMISE_FIGURES) != "made":
        query = query.where(facts.c.status == PromiseStatus(status))
    return query


def _survival(f: Filters, number: str, which: str) -> Select[Any]:
    if not number.isdigit() or int(number) not in repository.SURVIVAL_INSTALMENTS:
        raise InvalidFigure()
    facts = repository.survival_facts(f, f.as_of)
    rows = facts.subquery()
    query = select(rows.c.account_id).where(rows.c.instalments == int(number))
    if _one_of(which, ("current", "lapsed", "all")) != "all":
        query = query.where(rows.c.current == (1 if which == "current" else 0))
    return query


def _collected(f: Filters, channel: str) -> Select[Any]:
    facts = repository.payment_facts(f).subquery()
    return select(facts.c.account_id).where(facts.c.channel == channel)


def _agent(f: Filters, agent: str, which: str) -> Select[Any]:
    try:
        agent_id = uuid.UUID(agent)
    except ValueError:
        raise InvalidFigure() from None
    which = _one_of(which, AGENT_FIGURES)
    if which in ("visits", "far", "contacts"):
        visits = team.visit_facts(f).subquery()
        query = select(visits.c.account_id).where(visits.c.agent_id == agent_id)
        if which != "visits":
            flag = "far" if which == "far" else "contact"
            query = query.where(visits.c[flag] == 1)
        return query
    if which == "collected":
        payments = repository.payment_facts(f).subquery()
        return select(payments.c.account_id).where(payments.c.agent_id == agent_id)
    promises = repository.promise_facts(f).subquery()
    query = select(promises.c.account_id).where(promises.c.recorded_by_id == agent_id)
    if which == "kept":
        query = query.where(promises.c.status == PromiseStatus.kept)
    return query


def _channel(f: Filters, channel: str, step: str, which: str) -> Select[Any]:
    facts = team.attempt_facts(f).subquery()
    query = select(facts.c.account_id).where(
        facts.c.channel == channel, facts.c.step == ("" if step == "-" else step)
    )
    if _one_of(which, CHANNEL_FIGURES) != "sent":
        query = query.where(facts.c[which] == 1)
    return query


# Each code's builder and how many parts follow its kind.
_FIGURES: dict[str, tuple[Callable[..., Select[Any]], int]] = {
    "aging": (_aging, 2),
    "roll": (_roll, 3),
    "cure": (_cure, 1),
    "cohort": (_cohort, 1),
    "promises": (_promises, 1),
    "survival": (_survival, 2),
    "collected": (_collected, 1),
    "agent": (_agent, 2),
    "channel": (_channel, 3),
}


def accounts_behind(f: Filters, figure: str) -> Select[Any]:
    """The ids of the accounts behind ``figure`` (``InvalidFigure`` for an unknown code)."""
    kind, *parts = figure.split(":")
    build, arity = _FIGURES.get(kind, (None, -1))
    if build is None or len(parts) != arity:
        raise InvalidFigure()
    return build(f, *parts)
