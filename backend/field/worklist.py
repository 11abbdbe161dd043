"""An agent's field day: the stops worth a visit that fit in their shift, in visit order.

Which stops (:func:`day_stops`, shared with the team plan):

- A stop is a debtor at their address: every open account of the debtor the agent holds is one
  stop, with all its balances (``WorklistStop.accounts``).
- Accounts that are current (nothing past due, no promise or instalment due that day) or in a
  plan in good standing (an active plan with no unpaid instalment due by that day) are never
  stops.
- The contact rules (``holds``) judge each account from the shift start: an account they hold
  back all day goes to ``held_back`` with the rule and when it lets go; an account visited that
  day stays in the day (it is done, and counts in the app's progress).
- Each stop is worth :func:`backend.field.value.stop_worth` (with each account's propensity
  score when its creditor has scoring on).

The day (:func:`build`): the shift (``shifts``) fixes the departure (its start time, from its
start place, else the position asked from, else the most valuable stop), the travel mode and
the minutes per visit; the routing solver (:mod:`backend.routing.vrp`, one vehicle) picks the
stops that fit before the shift ends, most valuable first, and orders them. ETAs are aware
datetimes in the day's time zone. Stops left out are ``not_today`` with the reason: the shift
is full, or the address has no coordinates to plan a visit by. A stop the route would reach
after the contact rules' last hour of the day is held back and the day planned again without
it.

A day a supervisor planned for the team (``backend.field.team``) is that stored plan instead:
the stops it gave the agent, in its order and with its ETAs (:func:`_team_day`).

Over either, the agent's skips and moves of that day (``backend.field.stops``) are laid in the
order they were made: skipped stops stay in the list, marked; the new order is timed again.

Queries do not grow with the number of stops (accounts with debtors and primary addresses,
phones, promises due, instalments due, plans, visits of the day, shifts, portfolios, contact
histories).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.aging import days_past_due
from backend.core.clock import today_in, utcnow
from backend.debtors import repository as debtors_repository
from backend.field import days, holds, repository, shifts
from backend.field import stops as stop_changes
from backend.field.config import field_settings
from backend.field.models import PlannedStop
from backend.field.value import AccountSignals, stop_worth
from backend.routing import vrp
from backend.routing.geo import LatLon
from backend.scoring import service as scoring
from backend.segments import repository as segments
from backend.users.models import User
from shared.schemas.contact import ContactHold
from shared.schemas.debtors import AddressRead
from shared.schemas.enums import AgingBucket, PlanStatus, bucket_for
from shared.schemas.field import StopAccount, TravelMode, Worklist, WorklistStop
from shared.stops import apply_changes

#: A plan broken this recently makes a visit worth more.
BROKEN_PLAN_DAYS = 90


@dataclass(frozen=True, slots=True)
class WorklistQuery:
    day: date | None = None
    start: LatLon | None = None
    mode: TravelMode | None = None
    bucket: AgingBucket | None = None
    promise_due: bool = False
    not_visited: bool = False
    segment: str | None = None


@dataclass(slots=True)
class Stop:
    """A debtor at an address with the accounts visited there."""

    id: uuid.UUID
    lat: float | None
    lon: float | None
    row: WorklistStop
    #: Each account, for the contact rules' late check.
    reaches: list[holds.Reach]
    #: The first moment every account of the stop may be visited.
    opens: datetime

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(slots=True)
class DayStops:
    stops: list[Stop] = field(default_factory=list)
    held: list[WorklistStop] = field(default_factory=list)


@dataclass(slots=True)
class _Day:
    """The day before the agent's skips and moves: stops in visit order, timed."""

    start: LatLon | None
    stops: list[WorklistStop]
    held: list[WorklistStop]
    not_today: list[WorklistStop]
    unlocated: int


def build(session: Session, agent: User, query: WorklistQuery) -> Worklist:
    timezone = days.agent_timezone(session, agent.id)
    zone = ZoneInfo(timezone)
    day = query.day or today_in(timezone)
    shift = shifts.shifts_of(session, [agent.id])[agent.id]
    begin, end = shift.bounds(day, zone)
    mode = query.mode or shift.mode
    speed = shift.speed_mps if mode == shift.mode else field_settings().speed(mode)
    planned = repository.planned(session, day, [agent.id])
    if planned:
        found = _team_day(session, agent, planned, day, timezone, (shift, begin), query)
    else:
        found = _shift_day(session, agent, query, day, timezone, shift, speed, (begin, end))
    stops = found.stops
    events = repository.stop_events(session, agent.id, day)
    if events:
        located = [s for s in stops if s.address and s.address.latitude is not None]
        start = found.start or next(
            ((s.address.latitude, s.address.longitude) for s in located),  # type: ignore[union-attr, misc]
            None,
        )
        stops = apply_changes(stops, events)
        stops = stop_changes.retime(stops, start, begin, speed, shift.visit_minutes, zone)
    timed = [s for s in stops if s.arrival_s is not None]
    last = max(timed, key=lambda s: s.arrival_s or 0) if timed else None
    return Worklist(
        agent_id=agent.id,
        date=day,
        timezone=timezone,
        start_latitude=found.start[0] if found.start else None,
        start_longitude=found.start[1] if found.start else None,
        mode=mode,
        speed_mps=speed,
        total_m=max((s.cumulative_m or 0 for s in timed), default=0),
        duration_s=(last.arrival_s or 0) + shift.visit_minutes * 60 if last else 0,
        stops=stops,
        unlocated=found.unlocated,
        held_back=found.held,
        not_today=found.not_today,
        shift_start=begin,
        shift_end=end,
        visit_minutes=shift.visit_minutes,
        planned_by_team=bool(planned),
        applied_events=[e.client_id for e in events],
        server_time=utcnow(),
    )


def _shift_day(
    session: Session,
    agent: User,
    query: WorklistQuery,
    day: date,
    timezone: str,
    shift: shifts.Shift,
    speed: float,
    bounds: tuple[datetime, datetime],
) -> _Day:
    """No team plan that day: the agent's own stops, routed inside their shift."""
    begin, end = bounds
    zone = ZoneInfo(timezone)
    found = day_stops(session, [agent.id], day, timezone, begin)
    stops = [s for s in found.stops if _kept(s.row, query)]
    held = [row for row in found.held if _kept(row, query)]
    located = [s for s in stops if s.located]
    given = query.start or shift.start
    start = given or next(((s.lat, s.lon) for s in located), None)
    not_today = [_aside(s.row, "no_location") for s in stops if not s.located]
    legs: dict[uuid.UUID, vrp.Visit] = {}
    while start is not None and located:
        route = _route(start, located, speed, shift.visit_minutes, begin, end)
        legs = {visit.stop_id: visit for visit in route}  # type: ignore[misc]
        late = {
            s.id: hold
            for s in located
            if s.id in legs and (hold := _late(s, begin + timedelta(seconds=legs[s.id].arrival_s)))
        }
        if not late:
            break
        held += [s.row.model_copy(update={"hold": late[s.id]}) for s in located if s.id in late]
        located = [s for s in located if s.id not in late]
    planned = sorted((s for s in located if s.id in legs), key=lambda s: legs[s.id].arrival_s)
    by_value = sorted((s for s in located if s.id not in legs), key=_by_value)
    not_today = [_aside(s.row, "shift_full") for s in by_value] + not_today
    rows = [_placed(s, n, legs[s.id], begin, zone) for n, s in enumerate(planned, start=1)]
    return _Day(given, rows, held, not_today, sum(1 for s in stops if not s.located))


def _team_day(
    session: Session,
    agent: User,
    planned: list[tuple[PlannedStop, Any, Any]],
    day: date,
    timezone: str,
    departure: tuple[shifts.Shift, datetime],
    query: WorklistQuery,
) -> _Day:
    """A supervisor stored a team plan for that day: the stops it gave the agent, in its order
    and with its ETAs (a stop paid or held back since, or whose accounts the agent no longer
    holds, is left out: the plan only gives an agent their own debtors). The agent's own stops
    that the plan gave nobody wait for another day."""
    zone = ZoneInfo(timezone)
    shift, begin = departure
    own = day_stops(session, [agent.id], day, timezone, begin)
    by_debtor = {s.id: s for s in own.stops}
    rows: list[WorklistStop] = []
    cumulative = 0
    for stop, _, _ in planned:
        found = by_debtor.get(stop.debtor_id)
        if found is None or not _kept(found.row, query):
            continue
        cumulative += stop.leg_m
        rows.append(
            found.row.model_copy(
                update={
                    "position": len(rows) + 1,
                    "leg_m": stop.leg_m,
                    "cumulative_m": cumulative,
                    "arrival_s": int((stop.eta - begin).total_seconds()),
                    "eta": stop.eta.astimezone(zone),
                }
            )
        )
    anyone = repository.planned_debtor_ids(session, day)
    left = [s for s in own.stops if s.id not in anyone and _kept(s.row, query)]
    not_today = [_aside(s.row, "shift_full" if s.located else "no_location") for s in left]
    held = [row for row in own.held if _kept(row, query)]
    return _Day(shift.start, rows, held, not_today, sum(1 for s in left if not s.located))


def _route(
    start: LatLon,
    stops: list[Stop],
    speed: float,
    visit_minutes: int,
    begin: datetime,
    end: datetime,
) -> list[vrp.Visit]:
    """The solver's visits for one agent (a single vehicle) from ``begin`` to ``end``."""
    agent = vrp.Agent(
        id="agent",
        start=start,
        speed_mps=speed,
        service_s=visit_minutes * 60,
        begin_s=0,
        end_s=int((end - begin).total_seconds()),
    )
    candidates = [
        vrp.Candidate(
            s.id,
            s.lat,  # type: ignore[arg-type]  # located
            s.lon,  # type: ignore[arg-type]
            s.row.value_minor,
            opens_s=max(0, int((s.opens - begin).total_seconds())),
        )
        for s in stops
    ]
    return vrp.plan([agent], candidates).routes["agent"]


def day_stops(
    session: Session, agent_ids: list[uuid.UUID], day: date, timezone: str, begin: datetime
) -> DayStops:
    """The stops of the agents' accounts worth a visit on ``day`` (see the module docstring),
    judged by the contact rules from ``begin``; stops most valuable first."""
    rows = repository.worklist_rows(session, agent_ids)
    promises = repository.promises_due(session, agent_ids, day)
    instalments = repository.instalments_due(session, agent_ids, day)
    day_start, day_end = days.day_bounds(day, timezone)
    plan_states = repository.plan_states(
        session, agent_ids, day_start - timedelta(days=BROKEN_PLAN_DAYS)
    )
    outcomes = repository.outcomes_between(session, agent_ids, day_start, day_end)
    phones = debtors_repository.phones_of(session, {debtor.id for _, debtor, _ in rows})
    scores = scoring.scores_for(session, [account.id for account, _, _ in rows])
    segment_of = segments.segments_of(session, [account.id for account, _, _ in rows])
    kept = []
    for account, debtor, address in rows:
        dpd = days_past_due(account, day)
        due = account.id in promises or account.id in instalments
        in_good_plan = plan_states.get(account.id) == PlanStatus.active and not due
        if (dpd == 0 and not due) or in_good_plan:
            continue
        kept.append((account, debtor, address, dpd))
    reach = holds.reaches(session, [(a, d, ad is not None) for a, d, ad, _ in kept], begin)
    found = DayStops()
    groups: dict[tuple[uuid.UUID, uuid.UUID | None], list[tuple]] = defaultdict(list)
    for account, debtor, address, dpd in kept:
        visited = account.id in outcomes
        first = (
            begin
            if visited
            else reach[account.id].first_visit(begin, holds.day_span(reach[account.id], day)[1])
        )
        signals = AccountSignals(
            balance_minor=account.balance_minor,
            days_past_due=dpd,
            promise_due_minor=promises.get(account.id, 0),
            instalments_due_minor=instalments.get(account.id, (0, day))[0],
            broken_plan=plan_states.get(account.id) == PlanStatus.broken,
            propensity=scores.get(account.id),
        )
        row = _row(account, debtor, address, dpd, promises, instalments, outcomes, phones)
        row.segment = segment_of.get(account.id)
        if isinstance(first, ContactHold):
            found.held.append(row.model_copy(update={"hold": first}))
            continue
        key = (debtor.id, address.id if address else None)
        groups[key].append((account, row, signals, first))
    for (debtor_id, _), members in groups.items():
        found.stops.append(_stop(debtor_id, members, reach, begin))
    found.stops.sort(key=_by_value)
    return found


def _stop(
    debtor_id: uuid.UUID, members: list[tuple], reach: dict[uuid.UUID, holds.Reach], begin: datetime
) -> Stop:
    history = [a.at for account, *_ in members for a in reach[account.id].history if a.at < begin]
    since = (begin - max(history)).days if history else None
    worths = sorted(
        ((stop_worth([signals], None), row, signals) for _, row, signals, _ in members),
        key=lambda m: (-m[0], m[1].account_id),
    )
    head = worths[0][1]
    same = [row for _, row, _ in worths if row.currency == head.currency]
    address = head.address
    row = head.model_copy(
        update={
            "balance_minor": sum(r.balance_minor for r in same),
            "days_past_due": max(r.days_past_due for r in same),
            "promise_due_today": any(r.promise_due_today for r in same),
            "instalment_due_today": any(r.instalment_due_today for r in same),
            "promise_amount_minor": _total(r.promise_amount_minor for r in same),
            "instalment_amount_minor": _total(r.instalment_amount_minor for r in same),
            "visited_today": any(r.visited_today for r in same),
            "accounts": [_account(r) for _, r, _ in worths],
            "value_minor": stop_worth(
                [s for _, r, s in worths if r.currency == head.currency], since
            ),
        }
    )
    return Stop(
        id=debtor_id,
        lat=address.latitude if address else None,
        lon=address.longitude if address else None,
        row=row,
        reaches=[reach[account.id] for account, *_ in members],
        opens=max(opens for *_, opens in members),
    )


def _total(amounts: object) -> int | None:
    found = [a for a in amounts if a is not None]  # type: ignore[attr-defined]
    return sum(found) if found else None


def _account(row: WorklistStop) -> StopAccount:
    return StopAccount(
        account_id=row.account_id,
        external_ref=row.external_ref,
        product=row.product,
        status=row.status,
        currency=row.currency,
        balance_minor=row.balance_minor,
        days_past_due=row.days_past_due,
        promise_due_today=row.promise_due_today,
        instalment_due_today=row.instalment_due_today,
    )


def _row(account, debtor, address, dpd, promises, instalments, outcomes, phones) -> WorklistStop:  # type: ignore[no-untyped-def]
    instalment = instalments.get(account.id)
    return WorklistStop(
        position=0,
        account_id=account.id,
        external_ref=account.external_ref,
        product=account.product,
        status=account.status,
        currency=account.currency,
        balance_minor=account.balance_minor,
        days_past_due=dpd,
        aging_bucket=bucket_for(dpd),
        debtor_id=debtor.id,
        debtor_name=debtor.display_name,
        phones=phones.get(debtor.id, []),
        address=AddressRead.model_validate(address.model_dump()) if address else None,
        leg_m=None,
        cumulative_m=None,
        arrival_s=None,
        eta=None,
        promise_due_today=account.id in promises,
        promise_amount_minor=promises.get(account.id),
        instalment_due_today=instalment is not None,
        instalment_amount_minor=instalment[0] if instalment else None,
        visited_today=account.id in outcomes,
        last_outcome=outcomes.get(account.id),
    )


def _late(stop: Stop, arrival: datetime) -> ContactHold | None:
    """The contact rule a visit at ``arrival`` breaks (past the rules' last hour), if any."""
    if stop.row.visited_today:
        return None
    for reach in stop.reaches:
        first = reach.first_visit(arrival, holds.day_span(reach, arrival.date())[1])
        if isinstance(first, ContactHold):
            return first
    return None


def _placed(
    stop: Stop, position: int, leg: vrp.Visit, begin: datetime, zone: ZoneInfo
) -> WorklistStop:
    return stop.row.model_copy(
        update={
            "position": position,
            "leg_m": leg.leg_m,
            "cumulative_m": leg.cumulative_m,
            "arrival_s": leg.arrival_s,
            "eta": (begin + timedelta(seconds=leg.arrival_s)).astimezone(zone),
        }
    )


def _aside(row: WorklistStop, reason: str) -> WorklistStop:
    return row.model_copy(update={"reason": reason})


def _kept(row: WorklistStop, query: WorklistQuery) -> bool:
    if query.bucket is not None and row.aging_bucket != query.bucket:
        return False
    if query.segment is not None and row.segment != query.segment:
        return False
    if query.promise_due and not (row.promise_due_today or row.instalment_due_today):
        return False
    return not (query.not_visited and row.visited_today)


def _by_value(stop: Stop) -> tuple[int, uuid.UUID]:
    return (-stop.row.value_minor, stop.id)


__all__ = ["DayStops", "Stop", "WorklistQuery", "build", "day_stops"]
