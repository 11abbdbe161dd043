"""Daily KPI facts: per portfolio, day and agent, the payments received by channel and
currency, the reminders sent by channel and step with their follow-ups, the visits, the
agents' routes, the accounts placed (the cohorts) and the promises made by status, written by
the snapshot job from the same fact queries the dashboard counts from
(``repository.payment_facts``, ``team.attempt_facts``, ``team.visit_facts``,
``team.route_days``, ``repository.cohort_facts``, ``repository.promise_facts``); and the
cohorts' collections (``kpi_cohort_payments``: per day placed and month paid, the payments up
to the settled day), rewritten whole when the settled day moves or a payment lands late.

A rebuild of a portfolio's days locks its row, deletes those days and writes them again in
one ``INSERT ... SELECT`` per table (unique keys on every grouping column): reruns and
concurrent runs leave one copy. Each run rewrites the last ``SETTLE_DAYS`` days as well,
since a reminder's follow-ups (reply, payment, opt-out) happen within 7 days of it and a
recent payment may still be reversed. And each run (the job's, hourly) rewrites the older
days whose rows landed or changed since the facts were written (``late_days``: a payment
reversed or booked with an old date, a visit or GPS fix synced late, a reminder's late
delivery report), found by the rows' own creation or change times: the ledger and the field
know nothing of the facts.

Readers (``split``) take the facts only for the days settled when they were written (up to
``through - SETTLE_DAYS``; the accounts placed up to ``through - PLACED_SETTLE_DAYS``) and the
raw rows for the days after, so each figure is the raw queries' own answer for what is
settled; the cohorts' collections are the facts' for the payments up to each portfolio's
settled day plus the raw payments after it (``paid_after``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, or_, select, union_all
from sqlmodel import Session

from backend.accounts.models import Account
from backend.analytics.filters import Filters
from backend.analytics.models import (
    NO_AGENT,
    KpiCohortDay,
    KpiCohortPayment,
    KpiDailyMark,
    KpiPaymentDay,
    KpiPromiseDay,
    KpiReminderDay,
    KpiRouteDay,
    KpiVisitDay,
)
from backend.analytics.repository import (
    cohort_facts,
    not_reversed,
    payment_facts,
    promise_facts,
    received,
)
from backend.analytics.sql import EARTH_RADIUS_M, month_start
from backend.analytics.team import STAGES, WINDOW_DAYS, attempt_facts, route_days, visit_facts
from backend.contact.models import ContactAttempt
from backend.core.clock import utcnow
from backend.core.sqlbuild import local_date, new_id
from backend.creditors.models import Portfolio
from backend.field.models import LocationPing, Visit
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment
from backend.promises.models import Promise

SETTLE_DAYS = 8  # follow-ups settle within 7 days; one more for the day in progress
# The UTC day of the last day written may still be in progress (a time zone ahead of UTC).
PLACED_SETTLE_DAYS = 1
# A change is looked for from this long before the facts were last written: a write that
# stamped its rows before they were read commits within it (and is then seen twice).
LATE_MARGIN = timedelta(hours=1)
HISTORY_DAYS = 3 * 366 + SETTLE_DAYS  # the longest window the dashboard accepts


def _lock(session: Session, portfolio_id: uuid.UUID) -> None:
    session.execute(select(Portfolio.id).where(Portfolio.id == portfolio_id).with_for_update())


def _agent(column: Any) -> Any:
    return func.coalesce(column, literal(NO_AGENT))


def _write_payments(session: Session, portfolio_id: uuid.UUID, first: date, last: date) -> None:
    facts = payment_facts(Filters(first, last, portfolio_id=portfolio_id)).subquery()
    owner = Account.__table__.alias("owner")
    agent, taker = _agent(owner.c.assigned_agent_id), _agent(facts.c.agent_id)
    source = (
        select(
            new_id(),
            owner.c.portfolio_id,
            facts.c.paid_on,
            agent,
            taker,
            facts.c.channel,
            facts.c.currency,
            func.count(),
            func.sum(facts.c.amount_minor),
        )
        .join(owner, owner.c.id == facts.c.account_id)
        .group_by(
            owner.c.portfolio_id, facts.c.paid_on, agent, taker, facts.c.channel, facts.c.currency
        )
    )
    columns = ["id", "portfolio_id", "day", "agent_id", "taker_id", "channel", "currency"]
    session.execute(
        insert(KpiPaymentDay).from_select([*columns, "payments", "amount_minor"], source)
    )


def _write_reminders(session: Session, portfolio_id: uuid.UUID, first: date, last: date) -> None:
    facts = attempt_facts(Filters(first, last, portfolio_id=portfolio_id)).subquery()
    owner = Account.__table__.alias("owner")
    agent = _agent(owner.c.assigned_agent_id)
    day = local_date(facts.c.at, literal("UTC"))
    source = (
        select(
            new_id(),
            owner.c.portfolio_id,
            day,
            agent,
            facts.c.channel,
            facts.c.step,
            func.count(),
            *(func.sum(facts.c[stage]) for stage in STAGES),
        )
        .join(owner, owner.c.id == facts.c.account_id)
        .group_by(owner.c.portfolio_id, day, agent, facts.c.channel, facts.c.step)
    )
    columns = ["id", "portfolio_id", "day", "agent_id", "channel", "step", "sent", *STAGES]
    session.execute(insert(KpiReminderDay).from_select(columns, source))


def _write_visits(session: Session, portfolio_id: uuid.UUID, first: date, last: date) -> None:
    facts = visit_facts(Filters(first, last, portfolio_id=portfolio_id)).subquery()
    day = local_date(facts.c.checked_in_at, literal("UTC"))
    source = select(
        new_id(),
        literal(portfolio_id),
        day,
        facts.c.agent_id,
        func.count(),
        func.sum(facts.c.far),
        func.sum(facts.c.contact),
        func.sum(facts.c.stop_seconds),
    ).group_by(day, facts.c.agent_id)
    columns = ["id", "portfolio_id", "day", "agent_id", "visits", "far", "contacts"]
    session.execute(insert(KpiVisitDay).from_select([*columns, "stop_seconds"], source))


def _write_routes(session: Session, portfolio_id: uuid.UUID, first: date, last: date) -> None:
    days = route_days(Filters(first, last)).subquery()
    columns = ["agent_id", "day", "metres", "first_lat", "first_lon", "last_lat", "last_lon"]
    source = select(new_id(), literal(portfolio_id), *(days.c[c] for c in columns))
    session.execute(insert(KpiRouteDay).from_select(["id", "portfolio_id", *columns], source))


def _write_cohorts(session: Session, portfolio_id: uuid.UUID, first: date, last: date) -> None:
    facts = cohort_facts(Filters(first, last, portfolio_id=portfolio_id)).subquery()
    day = local_date(facts.c.placed_at, literal("UTC"))
    agent = _agent(facts.c.agent_id)
    source = select(
        new_id(),
        literal(portfolio_id),
        day,
        agent,
        facts.c.currency,
        func.count(),
        func.sum(facts.c.principal_minor),
    ).group_by(day, agent, facts.c.currency)
    columns = ["id", "portfolio_id", "day", "agent_id", "currency", "accounts", "principal_minor"]
    session.execute(insert(KpiCohortDay).from_select(columns, source))


def _write_promises(session: Session, portfolio_id: uuid.UUID, first: date, last: date) -> None:
    facts = promise_facts(Filters(first, last, portfolio_id=portfolio_id)).subquery()
    owner = Account.__table__.alias("owner")
    day = local_date(facts.c.created_at, literal("UTC"))
    agent, recorder = _agent(owner.c.assigned_agent_id), _agent(facts.c.recorded_by_id)
    source = (
        select(
            new_id(),
            literal(portfolio_id),
            day,
            agent,
            recorder,
            facts.c.currency,
            facts.c.status,
            func.count(),
            func.sum(facts.c.amount_minor),
            func.sum(received(facts)),
        )
        .select_from(facts)
        .join(owner, owner.c.id == facts.c.account_id)
        .group_by(day, agent, recorder, facts.c.currency, facts.c.status)
    )
    columns = ["id", "portfolio_id", "day", "agent_id", "recorder_id", "currency", "status"]
    session.execute(
        insert(KpiPromiseDay).from_select(
            [*columns, "promises", "amount_minor", "received_minor"], source
        )
    )


def _write_cohort_payments(session: Session, mark: KpiDailyMark) -> None:
    """Rewrite the portfolio's cohort collections: the payments received up to its settled
    day on every account placed from the facts' first day on."""
    session.execute(
        delete(KpiCohortPayment).where(KpiCohortPayment.portfolio_id == mark.portfolio_id)
    )
    placed = cohort_facts(
        Filters(mark.first, utcnow().date(), portfolio_id=mark.portfolio_id)
    ).subquery()
    day = local_date(placed.c.placed_at, literal("UTC"))
    agent = _agent(placed.c.agent_id)
    month = month_start(Payment.paid_on)
    source = (
        select(
            new_id(),
            literal(mark.portfolio_id),
            day,
            agent,
            placed.c.currency,
            month,
            func.sum(Payment.amount_minor),
        )
        .select_from(placed)
        .join(Payment, Payment.account_id == placed.c.account_id)
        .where(Payment.paid_on <= mark.through - timedelta(days=SETTLE_DAYS), not_reversed())
        .group_by(day, agent, placed.c.currency, month)
    )
    columns = ["id", "portfolio_id", "day", "agent_id", "currency", "month", "amount_minor"]
    session.execute(insert(KpiCohortPayment).from_select(columns, source))


TABLES = (KpiPaymentDay, KpiReminderDay, KpiVisitDay, KpiRouteDay, KpiCohortDay, KpiPromiseDay)
WRITERS = (
    _write_payments,
    _write_reminders,
    _write_visits,
    _write_routes,
    _write_cohorts,
    _write_promises,
)
# The table each kind of late row (``late_days``) rewrites; payments rewrite two (and the
# cohort collections, rewritten whole).
KIND_TABLES: dict[str, type] = {
    "visit": KpiVisitDay,
    "fix": KpiRouteDay,
    "reminder": KpiReminderDay,
    "promise": KpiPromiseDay,
}


def write_days(session: Session, portfolio_id: uuid.UUID, through: date) -> None:
    """Bring a portfolio's facts up to ``through``: rewrite from ``SETTLE_DAYS`` before what
    was written last (the whole history the dashboard can ask for, the first time), and the
    older days whose rows changed since they were written (``late_days``)."""
    _lock(session, portfolio_id)
    written_at = utcnow()  # before reading anything: what lands from now on is looked for
    mark = session.get(KpiDailyMark, portfolio_id, populate_existing=True)
    late: dict[type, list[tuple[date, date]]] = {}
    if mark is None:
        mark = KpiDailyMark(
            portfolio_id=portfolio_id, first=through - timedelta(days=HISTORY_DAYS), through=through
        )
        first, settled_moved = mark.first, True
    else:
        first = min(mark.through, through) - timedelta(days=SETTLE_DAYS)
        late = late_days(session, mark, first)
        settled_moved = mark.through != through
        mark.through = through
    mark.written_at = written_at
    for table, write in zip(TABLES, WRITERS, strict=True):
        for start, end in [*late.get(table, ()), (first, through)]:
            session.execute(
                delete(table).where(
                    table.portfolio_id == portfolio_id, table.day >= start, table.day <= end
                )
            )
            write(session, portfolio_id, start, end)
    if settled_moved or KpiPaymentDay in late:
        _write_cohort_payments(session, mark)
    session.add(mark)
    session.flush()


def refresh(session: Session, portfolio_id: uuid.UUID, through: date) -> bool:
    """The job's run: ``write_days`` when the facts are not written up to ``through`` yet or
    rows of days they already settled changed since; whether it wrote. Nothing to do costs
    the mark and ``late_days``' indexed look-ups, and writes nothing."""
    mark = session.get(KpiDailyMark, portfolio_id)
    settled = through - timedelta(days=SETTLE_DAYS)
    if mark is not None and mark.through >= through and not late_days(session, mark, settled):
        return False
    write_days(session, portfolio_id, through)
    return True


def late_days(
    session: Session, mark: KpiDailyMark, before: date
) -> dict[type, list[tuple[date, date]]]:
    """Per facts table, the runs of days from ``mark.first`` to before ``before`` whose rows
    changed since the facts were written (less ``LATE_MARGIN``), each day as its fact query
    counts it: a payment (its ledger entry, or the reversal of it, created since) on the
    day it was received, and on the reminders whose 7 days it falls in; a visit or a GPS fix
    received since on its UTC day (fixes of any portfolio: each keeps every agent's routes);
    a reminder changed since (sent, delivered, read, failed) on its UTC day; a promise
    resolved since (kept, broken, superseded...) on the UTC day it was made. Facts written
    before their writing time was recorded are late on every day."""
    if mark.first >= before:
        return {}
    if mark.written_at is None:
        return {table: [(mark.first, before - timedelta(days=1))] for table in TABLES}
    since = mark.written_at - LATE_MARGIN
    start, end = (datetime.combine(day, time(), UTC) for day in (mark.first, before))
    found = session.execute(
        union_all(
            _late_payments(mark.portfolio_id, since, mark.first, before),
            _late_visits(mark.portfolio_id, since, start, end),
            _late_fixes(since, start, end),
            _late_reminders(mark.portfolio_id, since, start, end),
            _late_promises(mark.portfolio_id, since, start, end),
        )
    ).all()
    days: dict[type, set[date]] = {table: set() for table in TABLES}
    for kind, value in found:
        day = _date(value)
        if kind == "payment":
            days[KpiPaymentDay].add(day)
            # The reminders this payment falls within 7 days of (their UTC day against its
            # date in the portfolio's time zone: a day either way).
            days[KpiReminderDay].update(day + timedelta(days=n) for n in range(-WINDOW_DAYS - 1, 2))
        else:
            days[KIND_TABLES[kind]].add(day)
    wanted = {
        table: _runs(sorted(day for day in found_days if mark.first <= day < before))
        for table, found_days in days.items()
    }
    return {table: runs for table, runs in wanted.items() if runs}


def _late_payments(portfolio_id: uuid.UUID, since: datetime, first: date, before: date) -> Any:
    entry = LedgerEntry.__table__.alias("entry")
    return (
        select(literal("payment").label("kind"), Payment.paid_on.label("day"))
        .join(
            entry,
            or_(
                entry.c.id == Payment.ledger_entry_id,
                entry.c.reverses_entry_id == Payment.ledger_entry_id,
            ),
        )
        .join(Account, Account.id == Payment.account_id)
        .where(
            entry.c.created_at >= since,
            Account.portfolio_id == portfolio_id,
            Payment.paid_on >= first - timedelta(days=1),
            Payment.paid_on < before + timedelta(days=WINDOW_DAYS + 1),
        )
    )


def _late_visits(portfolio_id: uuid.UUID, since: datetime, start: datetime, end: datetime) -> Any:
    return (
        select(literal("visit"), local_date(Visit.checked_in_at, literal("UTC")))
        .join(Account, Account.id == Visit.account_id)
        .where(
            Visit.received_at >= since,
            Account.portfolio_id == portfolio_id,
            Visit.checked_in_at >= start,
            Visit.checked_in_at < end,
        )
    )


def _late_fixes(since: datetime, start: datetime, end: datetime) -> Any:
    return select(literal("fix"), local_date(LocationPing.recorded_at, literal("UTC"))).where(
        LocationPing.received_at >= since,
        LocationPing.recorded_at >= start,
        LocationPing.recorded_at < end,
    )


def _late_reminders(
    portfolio_id: uuid.UUID, since: datetime, start: datetime, end: datetime
) -> Any:
    return (
        select(literal("reminder"), local_date(ContactAttempt.at, literal("UTC")))
        .join(Account, Account.id == ContactAttempt.account_id)
        .where(
            ContactAttempt.updated_at >= since,
            ContactAttempt.source == "reminder",
            Account.portfolio_id == portfolio_id,
            ContactAttempt.at >= start,
            ContactAttempt.at < end,
        )
    )


def _late_promises(portfolio_id: uuid.UUID, since: datetime, start: datetime, end: datetime) -> Any:
    return (
        select(literal("promise"), local_date(Promise.created_at, literal("UTC")))
        .join(Account, Account.id == Promise.account_id)
        .where(
            Promise.resolved_at >= since,
            Account.portfolio_id == portfolio_id,
            Promise.created_at >= start,
            Promise.created_at < end,
        )
    )


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) >= day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def written_through(session: Session, portfolio_id: uuid.UUID) -> date | None:
    mark = session.get(KpiDailyMark, portfolio_id)
    return None if mark is None else mark.through


def split(
    session: Session, f: Filters, settle_days: int = SETTLE_DAYS
) -> tuple[Filters | None, Filters | None]:
    """``f`` as two windows: the days the facts answer for (settled for every portfolio in
    reach: ``settle_days`` before the last day written, ``PLACED_SETTLE_DAYS`` for the
    cohorts' accounts placed, which nothing changes once their day is over) and the days
    left to the raw rows; either may be None. The facts know no segments: a segment filter
    reads the raw rows for the whole window."""
    if f.segment is not None:
        return None, f
    query = (
        select(
            func.count(Portfolio.id),
            func.count(KpiDailyMark.portfolio_id),
            func.max(KpiDailyMark.first),
            func.min(KpiDailyMark.through),
        )
        .select_from(Portfolio)
        .outerjoin(KpiDailyMark, KpiDailyMark.portfolio_id == Portfolio.id)
        .where(*f.portfolios(Portfolio.id))
    )
    portfolios, marked, first, through = session.execute(query).one()
    if not portfolios or marked < portfolios or _date(first) > f.date_from:
        return None, f
    settled = _date(through) - timedelta(days=settle_days)
    if settled < f.date_from:
        return None, f
    if settled >= f.date_to:
        return f, None
    return replace(f, date_to=settled), replace(f, date_from=settled + timedelta(days=1))


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def collected(f: Filters) -> Any:
    """(channel, currency, payments, amount) from the facts of ``f``'s window."""
    return (
        select(
            KpiPaymentDay.channel,
            KpiPaymentDay.currency,
            func.sum(KpiPaymentDay.payments),
            func.sum(KpiPaymentDay.amount_minor),
        )
        .where(
            *f.between(KpiPaymentDay.day),
            *f.portfolios(KpiPaymentDay.portfolio_id),
            *f.agents(KpiPaymentDay.agent_id),
        )
        .group_by(KpiPaymentDay.channel, KpiPaymentDay.currency)
    )


def collected_by_agent(f: Filters) -> Any:
    """(agent who took them, currency, amount) from the facts of ``f``'s window."""
    return (
        select(KpiPaymentDay.taker_id, KpiPaymentDay.currency, func.sum(KpiPaymentDay.amount_minor))
        .where(
            KpiPaymentDay.taker_id != NO_AGENT,
            *f.agents(KpiPaymentDay.taker_id),
            *f.between(KpiPaymentDay.day),
            *f.portfolios(KpiPaymentDay.portfolio_id),
        )
        .group_by(KpiPaymentDay.taker_id, KpiPaymentDay.currency)
    )


def channels(f: Filters) -> Any:
    """(channel, step, sent, delivered, read, replied, paid, opted out) from the facts."""
    return (
        select(
            KpiReminderDay.channel,
            KpiReminderDay.step,
            func.sum(KpiReminderDay.sent),
            *(func.sum(getattr(KpiReminderDay, stage)) for stage in STAGES),
        )
        .where(
            *f.between(KpiReminderDay.day),
            *f.portfolios(KpiReminderDay.portfolio_id),
            *f.agents(KpiReminderDay.agent_id),
        )
        .group_by(KpiReminderDay.channel, KpiReminderDay.step)
    )


def cohorts(f: Filters) -> Any:
    """(cohort month, currency, accounts, principal) placed in ``f``'s window, from the facts."""
    cohort = month_start(KpiCohortDay.day)
    return (
        select(
            cohort,
            KpiCohortDay.currency,
            func.sum(KpiCohortDay.accounts),
            func.sum(KpiCohortDay.principal_minor),
        )
        .where(
            *f.between(KpiCohortDay.day),
            *f.portfolios(KpiCohortDay.portfolio_id),
            *f.agents(KpiCohortDay.agent_id),
        )
        .group_by(cohort, KpiCohortDay.currency)
    )


def cohort_payments(f: Filters) -> Any:
    """(cohort month, currency, month paid, amount) collected up to each portfolio's settled
    day (``paid_after``) on the accounts placed in ``f``'s window, from the facts."""
    cohort = month_start(KpiCohortPayment.day)
    return (
        select(
            cohort,
            KpiCohortPayment.currency,
            KpiCohortPayment.month,
            func.sum(KpiCohortPayment.amount_minor),
        )
        .where(
            *f.between(KpiCohortPayment.day),
            *f.portfolios(KpiCohortPayment.portfolio_id),
            *f.agents(KpiCohortPayment.agent_id),
        )
        .group_by(cohort, KpiCohortPayment.currency, KpiCohortPayment.month)
    )


def paid_after(session: Session, f: Filters) -> dict[date, list[uuid.UUID]]:
    """The day after which the cohort collections of each portfolio in reach are left to the
    raw rows (its settled day), with the portfolios it applies to."""
    query = select(KpiDailyMark.portfolio_id, KpiDailyMark.through).where(
        *f.portfolios(KpiDailyMark.portfolio_id)
    )
    found: dict[date, list[uuid.UUID]] = {}
    for portfolio_id, through in session.execute(query):
        found.setdefault(_date(through) - timedelta(days=SETTLE_DAYS), []).append(portfolio_id)
    return found


def promises(f: Filters) -> Any:
    """(currency, status, count, promised, received) of the promises made, from the facts."""
    return (
        select(
            KpiPromiseDay.currency,
            KpiPromiseDay.status,
            func.sum(KpiPromiseDay.promises),
            func.sum(KpiPromiseDay.amount_minor),
            func.sum(KpiPromiseDay.received_minor),
        )
        .where(
            *f.between(KpiPromiseDay.day),
            *f.portfolios(KpiPromiseDay.portfolio_id),
            *f.agents(KpiPromiseDay.agent_id),
        )
        .group_by(KpiPromiseDay.currency, KpiPromiseDay.status)
    )


def promises_by_agent(f: Filters) -> Any:
    """(agent who recorded them, status, count) of the promises made, from the facts."""
    return (
        select(KpiPromiseDay.recorder_id, KpiPromiseDay.status, func.sum(KpiPromiseDay.promises))
        .where(
            KpiPromiseDay.recorder_id != NO_AGENT,
            *f.between(KpiPromiseDay.day),
            *f.portfolios(KpiPromiseDay.portfolio_id),
            *f.agents(KpiPromiseDay.agent_id),
        )
        .group_by(KpiPromiseDay.recorder_id, KpiPromiseDay.status)
    )


def visits(f: Filters) -> Any:
    """(agent, visits, far, contacts, seconds at stops) from the facts."""
    return (
        select(
            KpiVisitDay.agent_id,
            func.sum(KpiVisitDay.visits),
            func.sum(KpiVisitDay.far),
            func.sum(KpiVisitDay.contacts),
            func.sum(KpiVisitDay.stop_seconds),
        )
        .where(
            *f.between(KpiVisitDay.day),
            *f.portfolios(KpiVisitDay.portfolio_id),
            *f.agents(KpiVisitDay.agent_id),
        )
        .group_by(KpiVisitDay.agent_id)
    )


def route_facts(f: Filters) -> Any:
    """The agents' route days from the facts (one portfolio's copy: any in reach, as each
    holds every agent's fixes up to its own settled day)."""
    copy = (
        select(Portfolio.id)
        .where(*f.portfolios(Portfolio.id))
        .order_by(Portfolio.id)
        .limit(1)
        .scalar_subquery()
    )
    return select(
        KpiRouteDay.agent_id,
        KpiRouteDay.day,
        KpiRouteDay.metres,
        KpiRouteDay.first_lat,
        KpiRouteDay.first_lon,
        KpiRouteDay.last_lat,
        KpiRouteDay.last_lon,
    ).where(
        KpiRouteDay.portfolio_id == copy,
        *f.between(KpiRouteDay.day),
        *f.agents(KpiRouteDay.agent_id),
    )


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``backend.analytics.sql.metres`` in Python (haversine)."""
    half_lat = math.sin(math.radians(lat2 - lat1) / 2)
    half_lon = math.sin(math.radians(lon2 - lon1) / 2)
    inner = (
        half_lat * half_lat
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * half_lon * half_lon
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(inner))


def joined_routes(days: Iterable[tuple[Any, ...]]) -> dict[uuid.UUID, int]:
    """Per agent: the metres of their route days plus the legs from each day's last fix to
    the next day's first (``team.route_metres`` over the same fixes)."""
    total: dict[uuid.UUID, float] = {}
    last: dict[uuid.UUID, tuple[float, float]] = {}
    for agent, _, metres, lat1, lon1, lat2, lon2 in sorted(days, key=lambda r: (r[0], _date(r[1]))):
        leg = _metres(*last[agent], lat1, lon1) if agent in last else 0.0
        total[agent] = total.get(agent, 0.0) + leg + metres
        last[agent] = (lat2, lon2)
    return {agent: round(m) for agent, m in total.items()}


def rebuild(session: Session, portfolio_id: uuid.UUID, through: date) -> None:
    """Write a portfolio's whole history of facts again (after a change to days already
    settled that ``late_days`` cannot see: accounts reassigned, opt-outs undone, a chat bound
    to a debtor later)."""
    _lock(session, portfolio_id)
    session.execute(delete(KpiDailyMark).where(KpiDailyMark.portfolio_id == portfolio_id))
    write_days(session, portfolio_id, through)
