"""The team plan: a supervisor splits the team's stops for a day among its agents.

Candidates are the stops of every agent's accounts worth a visit that day
(:func:`backend.field.worklist.day_stops`, judged by the contact rules from the earliest shift
start), located ones only. The routing solver (:mod:`backend.routing.vrp`) gives each agent a
route inside their own shift, from their own start place (else the candidates' centre), at their
own speed and minutes per visit. A stop only goes to an agent holding the debtor's accounts
(ownership stays: the agent can open the account, record the visit and take the payment; a
debtor whose accounts two agents hold goes to one of them, with that agent's accounts), so
the plan splits the day among the team without handing debtors across; when a holder's shift
cannot hold all their stops the least valuable ones are left out, and the plan lists them
(``dropped_stops``, with the holders and why: ``shift_full`` or ``no_location``) for the
supervisor to move accounts or lengthen a shift. The search stops after
``COBRO_FIELD_TEAM_PLAN_SECONDS``.

The plan replaces the day's stored plan of those agents (``PlannedStop``: a debtor at most once
a day) and leaves one audit event; :func:`stored` reads it back with ETAs in the day's zone.
Two plans of the same day made at once do not both win: the later one to be stored is refused
with ``team_plan_conflict`` (409), also when a plan of other agents already holds its stops.
Each agent's worklist of that day then follows the plan (``backend.field.worklist``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.audit.service import record
from backend.core.actors import Actor
from backend.core.clock import today_in
from backend.core.errors import Conflict, NotFound
from backend.field import days, repository, shifts
from backend.field.access import agents_in_scope
from backend.field.config import field_settings
from backend.field.models import PlannedStop
from backend.field.worklist import Stop, day_stops
from backend.routing import vrp
from backend.users.models import User
from shared.schemas.field import (
    AgentPlan,
    DroppedStop,
    PlannedStopRead,
    TeamPlan,
    TeamPlanRequest,
)


class TeamPlanConflict(Conflict):
    """Another plan of the same agents and day was stored while this one was being made."""

    code = "team_plan_conflict"


def plan(
    session: Session, user: User, actor: Actor, body: TeamPlanRequest, started: datetime
) -> TeamPlan:
    """Plan the day and store it, unless a plan of any of these agents for that day was
    stored after ``started`` (when the request arrived): then :class:`TeamPlanConflict`, so of
    two supervisors planning at once one wins and the other is told (never both, never a 500).
    """
    agents = _agents(session, user, body.agent_ids)
    timezone = days.common(days.timezones_of(session, [a.id for a in agents])) if agents else "UTC"
    zone = ZoneInfo(timezone)
    day = body.date or today_in(timezone) + timedelta(days=1)
    team = shifts.shifts_of(session, [a.id for a in agents])
    bounds = {a.id: team[a.id].bounds(day, zone) for a in agents}
    origin = min((begin for begin, _ in bounds.values()), default=None)
    stops: list[Stop] = []
    if origin is not None:
        stops = [s for s in day_stops(session, [a.id for a in agents], day, timezone, origin).stops]
    holder = repository.holder_of(session, [a for s in stops for a in _accounts(s)])
    located = [s for s in stops if s.located]
    centre = (
        (sum(s.lat for s in located) / len(located), sum(s.lon for s in located) / len(located))  # type: ignore[misc]
        if located
        else (0.0, 0.0)
    )
    vehicles = [
        vrp.Agent(
            id=a.id,
            start=team[a.id].start or centre,  # type: ignore[arg-type]
            speed_mps=team[a.id].speed_mps,
            service_s=team[a.id].visit_minutes * 60,
            begin_s=int((bounds[a.id][0] - origin).total_seconds()),  # type: ignore[operator]
            end_s=int((bounds[a.id][1] - origin).total_seconds()),  # type: ignore[operator]
        )
        for a in agents
    ]
    candidates = [
        vrp.Candidate(
            s.id,
            s.lat,  # type: ignore[arg-type]
            s.lon,  # type: ignore[arg-type]
            s.row.value_minor,
            opens_s=max(0, int((s.opens - origin).total_seconds())),  # type: ignore[operator]
            agents=frozenset(holder[a] for a in _accounts(s) if a in holder),
        )
        for s in located
    ]
    found = vrp.plan(vehicles, candidates, time_limit_s=field_settings().field_team_plan_seconds)
    by_id = {s.id: s for s in located}
    rows = [
        PlannedStop(
            day=day,
            agent_id=agent_id,  # type: ignore[arg-type]
            position=n,
            debtor_id=visit.stop_id,  # type: ignore[arg-type]
            account_ids=[
                str(a.account_id)
                for a in by_id[visit.stop_id].row.accounts  # type: ignore[index]
                if holder.get(a.account_id) == agent_id
            ],
            eta=origin + timedelta(seconds=visit.arrival_s),  # type: ignore[operator]
            leg_m=visit.leg_m,
            value_minor=by_id[visit.stop_id].row.value_minor,  # type: ignore[index]
            currency=by_id[visit.stop_id].row.currency,  # type: ignore[index]
            planned_by_id=user.id,
        )
        for agent_id, visits in found.routes.items()
        for n, visit in enumerate(visits, start=1)
    ]
    ids = [a.id for a in agents]
    stored_at = repository.latest_planned_at(session, day, ids)
    if stored_at is not None and stored_at > started:
        raise TeamPlanConflict(date=day.isoformat())
    try:
        repository.replace_planned(session, day, ids, rows, started)
    except IntegrityError:  # a plan of the same day committed meanwhile holds these stops
        raise TeamPlanConflict(date=day.isoformat()) from None
    record(
        session,
        actor,
        "field.team_planned",
        "team_plan",
        f"{day.isoformat()}:{user.id}",
        after={
            "date": day.isoformat(),
            "agents": [str(a.id) for a in agents],
            "stops": len(rows),
            "candidates": len(stops),
            "dropped": len(stops) - len(rows),
        },
    )
    return _read(session, agents, day, timezone, (stops, holder))


def stored(session: Session, user: User, day: date | None) -> TeamPlan:
    """The stored plan of the day, with the stops worth a visit now that it gives nobody."""
    agents = _agents(session, user, None)
    ids = [a.id for a in agents]
    timezone = days.common(days.timezones_of(session, ids)) if agents else "UTC"
    day = day or today_in(timezone) + timedelta(days=1)
    team = shifts.shifts_of(session, ids)
    zone = ZoneInfo(timezone)
    origin = min((team[i].bounds(day, zone)[0] for i in ids), default=None)
    stops = day_stops(session, ids, day, timezone, origin).stops if origin is not None else []
    holder = repository.holder_of(session, [a for s in stops for a in _accounts(s)])
    return _read(session, agents, day, timezone, (stops, holder))


def _agents(session: Session, user: User, ids: list[uuid.UUID] | None) -> list[User]:
    scope = agents_in_scope(session, user, None)
    if ids is None:
        return scope
    wanted = {a.id: a for a in scope if a.id in set(ids)}
    if len(wanted) != len(set(ids)):
        raise NotFound()
    return list(wanted.values())


def _read(
    session: Session,
    agents: list[User],
    day: date,
    timezone: str,
    candidates: tuple[list[Stop], dict[uuid.UUID, uuid.UUID]],
) -> TeamPlan:
    zone = ZoneInfo(timezone)
    team = shifts.shifts_of(session, [a.id for a in agents])
    per_agent: dict[uuid.UUID, list[PlannedStopRead]] = defaultdict(list)
    for stop, debtor, address in repository.planned(session, day, [a.id for a in agents]):
        per_agent[stop.agent_id].append(
            PlannedStopRead(
                position=stop.position,
                debtor_id=stop.debtor_id,
                debtor_name=debtor.display_name,
                account_ids=[uuid.UUID(a) for a in stop.account_ids],
                eta=_aware(stop.eta).astimezone(zone),
                leg_m=stop.leg_m,
                value_minor=stop.value_minor,
                currency=stop.currency,
                latitude=address.latitude if address else None,
                longitude=address.longitude if address else None,
            )
        )
    plans = [
        AgentPlan(
            agent_id=a.id,
            agent_name=a.full_name,
            shift=team[a.id].read(),
            stops=per_agent[a.id],
            travel_m=sum(s.leg_m for s in per_agent[a.id]),
            value_minor=sum(s.value_minor for s in per_agent[a.id]),
        )
        for a in agents
    ]
    stops, holder = candidates
    given = {s.debtor_id for p in plans for s in p.stops}
    dropped = [_dropped(s, holder) for s in stops if s.id not in given]
    dropped.sort(key=lambda d: (-d.value_minor, d.debtor_id))
    return TeamPlan(
        date=day,
        timezone=timezone,
        agents=plans,
        candidates=len(given) + len(dropped),
        dropped=len(dropped),
        dropped_stops=dropped,
    )


def _accounts(stop: Stop) -> list[uuid.UUID]:
    return [a.account_id for a in stop.row.accounts]


def _dropped(stop: Stop, holder: dict[uuid.UUID, uuid.UUID]) -> DroppedStop:
    accounts = _accounts(stop)
    return DroppedStop(
        debtor_id=stop.id,
        debtor_name=stop.row.debtor_name,
        agent_ids=sorted({holder[a] for a in accounts if a in holder}),
        account_ids=accounts,
        value_minor=stop.row.value_minor,
        currency=stop.row.currency,
        reason="shift_full" if stop.located else "no_location",
    )


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))
