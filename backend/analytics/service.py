"""The KPIs as the API returns them: the repository's grouped rows turned into rates, curves
and per-agent lines, and the accounts behind a figure a page at a time."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.analytics import daily, figures, repository, snapshots, team
from backend.analytics.filters import Filters, segment_column
from shared.schemas.analytics import (
    AgentKpis,
    AgingPoint,
    ChannelCollected,
    ChannelStep,
    Cohort,
    CurePoint,
    CurveStep,
    KpiAccount,
    MoneyAmount,
    PortfolioKpis,
    PromiseFigures,
    RollCell,
    SurvivalPoint,
)

RESOLVED = ("kept", "partially_kept", "broken")


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def portfolio(session: Session, f: Filters) -> PortfolioKpis:
    return PortfolioKpis(
        date_from=f.date_from,
        date_to=f.date_to,
        aging=[
            AgingPoint(day=d, bucket=b, currency=c, accounts=n, balance_minor=s)
            for d, b, c, n, s in repository.aging(session, f)
        ],
        **_rolls(repository.rolls(session, f)),
        cohorts=_cohorts(session, f),
        promises=_promises(_promise_rows(session, f)),
        plan_survival=[
            SurvivalPoint(instalments=k, plans=n, current=c, rate=rate(c, n))
            for k, n, c in repository.survival(session, f, f.as_of)
        ],
        collected=[
            ChannelCollected(channel=ch, currency=c, payments=n, amount_minor=a)
            for ch, c, n, a in _collected(session, f)
        ],
    )


def _rolls(rows: list[tuple[date, str, str, int, int]]) -> dict[str, Any]:
    started: dict[tuple[date, str], int] = defaultdict(int)
    for month, source, _, n, _ in rows:
        started[(month, source)] += n
    cells = [
        RollCell(
            month=month,
            from_bucket=source,
            to_bucket=target,
            accounts=n,
            balance_minor=s,
            rate=rate(n, started[(month, source)]),
        )
        for month, source, target, n, s in rows
    ]
    delinquent: dict[date, int] = defaultdict(int)
    cured: dict[date, int] = defaultdict(int)
    for month, source, target, n, _ in rows:
        if source in snapshots.DELINQUENT:
            delinquent[month] += n
            if target in ("current", snapshots.PAID):
                cured[month] += n
    cure = [
        CurePoint(month=m, delinquent=d, cured=cured[m], rate=rate(cured[m], d))
        for m, d in sorted(delinquent.items())
    ]
    return {"rolls": cells, "cure": cure}


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _cohorts(session: Session, f: Filters) -> list[Cohort]:
    paid: dict[tuple[date, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for cohort, currency, month, amount in _cohort_collections(session, f):
        paid[(cohort, currency)][_months_between(cohort, month)] += amount
    found = []
    for cohort, currency, accounts, placed in _cohort_sizes(session, f):
        by_month = paid[(cohort, currency)]
        total, curve = 0, []
        for months in range(max(_months_between(cohort, f.as_of), 0) + 1):
            total += by_month.get(months, 0)
            curve.append(CurveStep(months=months, collected_minor=total, rate=rate(total, placed)))
        found.append(
            Cohort(
                cohort=cohort,
                currency=currency,
                accounts=accounts,
                placed_minor=placed,
                curve=curve,
            )
        )
    return found


def _promises(rows: list[tuple[str, str, int, int, int]]) -> list[PromiseFigures]:
    by_currency: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for currency, status, n, promised, received in rows:
        figures_ = by_currency[currency]
        figures_["made"] += n
        figures_["made_minor"] += promised
        figures_[status] += n
        figures_[f"{status}_minor"] += promised
        if status in RESOLVED:
            figures_["received_minor"] += received
    found = []
    for currency, v in sorted(by_currency.items()):
        resolved = sum(v[s] for s in RESOLVED)
        found.append(
            PromiseFigures(
                currency=currency,
                made=v["made"],
                kept=v["kept"],
                partially_kept=v["partially_kept"],
                broken=v["broken"],
                open=v["open"],
                made_minor=v["made_minor"],
                kept_minor=v["kept_minor"],
                partially_kept_minor=v["partially_kept_minor"],
                broken_minor=v["broken_minor"],
                received_minor=v["received_minor"],
                kept_rate=rate(v["kept"], resolved),
            )
        )
    return found


def agents(session: Session, f: Filters) -> list[AgentKpis]:
    if not f.agents_visible:
        return []
    visits = _visits(session, f)
    routes = _routes(session, f)
    collected: dict[uuid.UUID, list[MoneyAmount]] = defaultdict(list)
    for agent_id, currency, amount in _collected_by_agent(session, f):
        collected[agent_id].append(MoneyAmount(currency=currency, amount_minor=amount))
    promised: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for agent_id, status, count in _promises_by_agent(session, f):
        promised[agent_id]["made"] += count
        promised[agent_id][status] += count
    lines = []
    for agent_id, name in team.agents(session, f):
        n, far, contacts, seconds = visits.get(agent_id, (0, 0, 0, 0.0))
        p = promised[agent_id]
        lines.append(
            AgentKpis(
                agent_id=agent_id,
                name=name,
                visits=n,
                far_visits=far,
                contacts=contacts,
                contact_rate=rate(contacts, n),
                promises=p["made"],
                promises_kept=p["kept"],
                kept_rate=rate(p["kept"], sum(p[s] for s in RESOLVED)),
                collected=collected[agent_id],
                route_m=routes.get(agent_id, 0),
                stop_minutes=round(seconds) // 60,
            )
        )
    return lines


def channels(session: Session, f: Filters) -> list[ChannelStep]:
    return [
        ChannelStep(
            channel=ch,
            step=step,
            sent=n,
            delivered=d,
            read=r,
            replied=rep,
            paid_7d=paid,
            opt_outs=out,
        )
        for ch, step, n, d, r, rep, paid, out in _channels(session, f)
    ]


# The settled days from the daily facts, the days after from the raw rows (``daily.split``):
# summed per key, the same figures as the raw rows alone.


def _summed(rows: list[tuple[Any, ...]], keys: int) -> list[tuple[Any, ...]]:
    totals: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        key = tuple(row[:keys])
        values = [int(v) for v in row[keys:]]
        if key in totals:
            totals[key] = [a + b for a, b in zip(totals[key], values, strict=True)]
        else:
            totals[key] = values
    return sorted((*key, *values) for key, values in totals.items())


def _cohort_sizes(session: Session, f: Filters) -> list[tuple[Any, ...]]:
    closed, recent = daily.split(session, f, daily.PLACED_SETTLE_DAYS)
    rows: list[tuple[Any, ...]] = []
    if closed is not None:
        rows += [(repository.day(m), *rest) for m, *rest in session.execute(daily.cohorts(closed))]
    if recent is not None:
        rows += repository.cohorts(session, recent)
    return _summed(rows, 2)


def _cohort_collections(session: Session, f: Filters) -> list[tuple[Any, ...]]:
    """The facts hold what each portfolio collected up to its settled day on the accounts
    placed on any day (the placement day is no settled day: old accounts still pay); the raw
    rows the rest."""
    closed, _ = daily.split(session, f)
    if closed is None:
        return repository.cohort_collections(session, f)
    rows: list[tuple[Any, ...]] = [
        (repository.day(m), c, repository.day(p), a)
        for m, c, p, a in session.execute(daily.cohort_payments(f))
    ]
    rows += repository.cohort_collections(session, f, daily.paid_after(session, f))
    return _summed(rows, 3)


def _promise_rows(session: Session, f: Filters) -> list[tuple[Any, ...]]:
    closed, recent = daily.split(session, f)
    rows: list[tuple[Any, ...]] = []
    if closed is not None:
        rows += [(c, str(s), *v) for c, s, *v in session.execute(daily.promises(closed))]
    if recent is not None:
        rows += repository.promises(session, recent)
    return _summed(rows, 2)


def _promises_by_agent(session: Session, f: Filters) -> list[tuple[Any, ...]]:
    closed, recent = daily.split(session, f)
    rows: list[tuple[Any, ...]] = []
    if closed is not None:
        rows += [(a, str(s), n) for a, s, n in session.execute(daily.promises_by_agent(closed))]
    if recent is not None:
        rows += repository.promises_by_agent(session, recent)
    return _summed(rows, 2)


def _collected(session: Session, f: Filters) -> list[tuple[Any, ...]]:
    closed, recent = daily.split(session, f)
    rows: list[tuple[Any, ...]] = []
    if closed is not None:
        rows += [tuple(r) for r in session.execute(daily.collected(closed))]
    if recent is not None:
        rows += repository.collected(session, recent)
    return _summed(rows, 2)


def _collected_by_agent(session: Session, f: Filters) -> list[tuple[Any, ...]]:
    closed, recent = daily.split(session, f)
    rows: list[tuple[Any, ...]] = []
    if closed is not None:
        rows += [tuple(r) for r in session.execute(daily.collected_by_agent(closed))]
    if recent is not None:
        rows += team.collected_by_agent(session, recent)
    return sorted(_summed(rows, 2), key=str)


def _visits(session: Session, f: Filters) -> dict[uuid.UUID, tuple[int, int, int, float]]:
    closed, recent = daily.split(session, f)
    rows: list[tuple[Any, ...]] = []
    if closed is not None:
        rows += [tuple(r) for r in session.execute(daily.visits(closed))]
    if recent is not None:
        rows += [(a, *v) for a, v in team.visits(session, recent).items()]
    totals: dict[uuid.UUID, tuple[int, int, int, float]] = {}
    for agent_id, n, far, contacts, seconds in rows:
        was = totals.get(agent_id, (0, 0, 0, 0.0))
        totals[agent_id] = (
            was[0] + int(n),
            was[1] + int(far),
            was[2] + int(contacts),
            was[3] + float(seconds or 0),
        )
    return totals


def _routes(session: Session, f: Filters) -> dict[uuid.UUID, int]:
    closed, recent = daily.split(session, f)
    if closed is None:
        return team.route_metres(session, f)
    days = [tuple(r) for r in session.execute(daily.route_facts(closed))]
    if recent is not None:
        days += [tuple(r) for r in session.execute(team.route_days(recent))]
    return daily.joined_routes(days)


def _channels(session: Session, f: Filters) -> list[tuple[Any, ...]]:
    closed, recent = daily.split(session, f)
    rows: list[tuple[Any, ...]] = []
    if closed is not None:
        rows += [tuple(r) for r in session.execute(daily.channels(closed))]
    if recent is not None:
        rows += team.channels(session, recent)
    return _summed([(str(ch), *rest) for ch, *rest in rows], 2)


def account_rows(
    session: Session, f: Filters, figure: str | None, after: uuid.UUID | None, limit: int
) -> list[KpiAccount]:
    """The accounts behind ``figure`` (every account in reach without one), in id order from
    after ``after``, at most ``limit`` (+1 to tell whether another page follows)."""
    query = select(
        Account.id,
        Account.portfolio_id,
        Account.external_ref,
        Account.product,
        Account.currency,
        Account.balance_minor,
        Account.due_date,
        Account.status,
        Account.assigned_agent_id,
        segment_column(),
    ).where(*f.accounts())
    if figure:
        query = query.where(Account.id.in_(figures.accounts_behind(f, figure)))
    if after is not None:
        query = query.where(Account.id > after)
    query = query.order_by(Account.id).limit(limit + 1)
    return [
        KpiAccount(
            id=r.id,
            portfolio_id=r.portfolio_id,
            external_ref=r.external_ref,
            product=r.product,
            currency=r.currency,
            balance_minor=r.balance_minor,
            due_date=r.due_date,
            status=str(r.status),
            assigned_agent_id=r.assigned_agent_id,
            segment=r.segment,
        )
        for r in session.execute(query)
    ]
