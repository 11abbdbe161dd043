"""The supervisor's view of a field day: each agent's GPS trail, visits, and results.

- The day is a calendar day in one timezone: the ``tz`` asked for, else the most common
  timezone of the agents shown (an agent's is that of the portfolio holding most of their
  accounts).
- Time at a stop: check-in to check-out when the app sent one; otherwise until the next visit's
  check-in or the first later ping farther than ``COBRO_FIELD_STOP_RADIUS_METERS`` from the
  check-in position, whichever comes first; unknown (None) when neither exists.
- Planned: the agent's open accounts today plus any account visited that day (a visit that
  closed an account still counts as planned). Planned stops are not snapshotted: for past days
  this is today's assignment.
- Collected: field payments the agent took, by the day they were paid (``paid_on``).
  Promised: promises the agent recorded, by device time when synced; superseded ones excluded.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from datetime import date, datetime

import numpy as np
from sqlmodel import Session

from backend.core.clock import today_in
from backend.field import days, repository
from backend.field.access import agents_in_scope
from backend.field.config import field_settings
from backend.field.models import LocationPing, Visit
from backend.routing.geo import EARTH_RADIUS_M, geodesic_m
from backend.users.models import User
from shared.schemas.field import (
    AgentRoute,
    MoneyTotal,
    RouteSummary,
    RouteSummaryRow,
    RouteVisit,
    TrailPoint,
)

Totals = dict[uuid.UUID, list[MoneyTotal]]


def routes(
    session: Session,
    user: User,
    *,
    day: date | None,
    agent_id: uuid.UUID | None,
    timezone: str | None,
) -> list[AgentRoute]:
    """Routes of the agents in the caller's scope (or of one of them), one per agent."""
    agents = agents_in_scope(session, user, agent_id)
    if not agents:
        return []
    tz = timezone or days.common(days.timezones_of(session, [a.id for a in agents]))
    return _build(session, agents, day or today_in(days.checked_zone(tz).key), tz)


def summary(
    session: Session, user: User, *, day: date | None, timezone: str | None
) -> RouteSummary:
    """One row per agent in the caller's scope: planned vs visited, far visits, results."""
    agents = agents_in_scope(session, user, None)
    tz = timezone or (
        days.common(days.timezones_of(session, [a.id for a in agents])) if agents else "UTC"
    )
    day = day or today_in(days.checked_zone(tz).key)
    rows = [_row(route) for route in _build(session, agents, day, tz)] if agents else []
    return RouteSummary(date=day, timezone=tz, agents=rows)


def _build(session: Session, agents: list[User], day: date, tz: str) -> list[AgentRoute]:
    ids = [a.id for a in agents]
    start, end = days.day_bounds(day, tz)
    pings: dict[uuid.UUID, list[LocationPing]] = defaultdict(list)
    for ping in repository.pings_between(session, ids, start, end):
        pings[ping.agent_id].append(ping)
    visits: dict[uuid.UUID, list[RouteVisit]] = defaultdict(list)
    visited: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    raw = repository.visits_between(session, ids, start, end)
    by_agent: dict[uuid.UUID, list[Visit]] = defaultdict(list)
    for visit, _, _ in raw:
        by_agent[visit.agent_id].append(visit)
    for visit, account, debtor in raw:
        visits[visit.agent_id].append(
            RouteVisit(
                visit_id=visit.id,
                account_id=account.id,
                external_ref=account.external_ref,
                debtor_name=debtor.display_name,
                checked_in_at=visit.checked_in_at,
                checked_out_at=visit.checked_out_at,
                stop_s=_stop_seconds(visit, by_agent[visit.agent_id], pings[visit.agent_id]),
                latitude=visit.latitude,
                longitude=visit.longitude,
                distance_m=visit.distance_m,
                far=visit.far,
                outcome=visit.outcome,
                note=visit.note,
            )
        )
        visited[visit.agent_id].add(account.id)
    open_ids = repository.open_accounts_by_agent(session, ids)
    collected = _totals(repository.collected(session, ids, day))
    promised = _totals(repository.promised(session, ids, start, end))
    return [
        AgentRoute(
            agent_id=agent.id,
            agent_name=agent.full_name,
            date=day,
            timezone=tz,
            trail=[
                TrailPoint(
                    recorded_at=p.recorded_at,
                    latitude=p.latitude,
                    longitude=p.longitude,
                    accuracy_m=p.accuracy_m,
                )
                for p in pings[agent.id]
            ],
            trail_m=_path_m([(p.latitude, p.longitude) for p in pings[agent.id]]),
            visits=visits[agent.id],
            planned=len(open_ids.get(agent.id, set()) | visited[agent.id]),
            visited=len(visited[agent.id]),
            far_visits=sum(1 for v in visits[agent.id] if v.far),
            collected=collected.get(agent.id, []),
            promised=promised.get(agent.id, []),
        )
        for agent in agents
    ]


def _stop_seconds(visit: Visit, day_visits: list[Visit], pings: list[LocationPing]) -> int | None:
    """See the module docstring; ``day_visits`` and ``pings`` are the agent's, in time order."""
    if visit.checked_out_at is not None:
        return max(0, round((visit.checked_out_at - visit.checked_in_at).total_seconds()))
    later = [v.checked_in_at for v in day_visits if v.checked_in_at > visit.checked_in_at]
    end: datetime | None = min(later, default=None)
    if visit.latitude is not None and visit.longitude is not None:
        radius = field_settings().field_stop_radius_meters
        here = (visit.latitude, visit.longitude)
        first = bisect.bisect_right([p.recorded_at for p in pings], visit.checked_in_at)
        for ping in pings[first:]:
            if end is not None and ping.recorded_at >= end:
                break
            if geodesic_m(here, (ping.latitude, ping.longitude)) > radius:
                end = ping.recorded_at
                break
    return None if end is None else round((end - visit.checked_in_at).total_seconds())


def _path_m(points: list[tuple[float, float]]) -> int:
    """Straight-line length of a trail (haversine, vectorised over consecutive points)."""
    if len(points) < 2:
        return 0
    rad = np.radians(np.asarray(points, dtype=np.float64))
    lat, lon = rad[:, 0], rad[:, 1]
    h = (
        np.sin(np.diff(lat) / 2) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    )
    return round(float(np.sum(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))))))


def _totals(rows: list[tuple[uuid.UUID, str, int, int]]) -> Totals:
    found: Totals = defaultdict(list)
    for agent_id, currency, count, amount in sorted(rows, key=lambda r: (str(r[0]), r[1])):
        found[agent_id].append(MoneyTotal(currency=currency, count=count, amount_minor=amount))
    return found


def _row(route: AgentRoute) -> RouteSummaryRow:
    times = [p.recorded_at for p in route.trail] + [v.checked_in_at for v in route.visits]
    return RouteSummaryRow(
        agent_id=route.agent_id,
        agent_name=route.agent_name,
        planned=route.planned,
        visited=route.visited,
        visits=len(route.visits),
        far_visits=route.far_visits,
        pings=len(route.trail),
        first_at=min(times, default=None),
        last_at=max(times, default=None),
        collected=route.collected,
        promised=route.promised,
    )
