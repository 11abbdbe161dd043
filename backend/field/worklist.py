"""An agent's worklist for a day, in suggested visit order.

Stops are the agent's open accounts with something owed. Filters (aging bucket, promise or
instalment due that day, not visited that day) are applied first; the remaining stops are then
ordered by :func:`backend.routing.tour.order_stops` from the start position (straight-line
legs, ETAs at the walking or motorbike speed of ``config``). Without a start position the route
starts at the first located stop by priority. Stops whose debtor address has no coordinates
come last, by priority: something due that day first, then most days past due.

The contact rules (``holds``) hold back stops that may not be visited that day, each with the
rule and when it lets go (``Worklist.held_back``); today the route departs when the first visit
is allowed, and a stop the route would reach after its last allowed hour is held back too.

The day is the agent's local day (see ``days``); ETAs are given only for today.
Seven queries whatever the number of stops: accounts with debtors and primary addresses,
phones, promises due, instalments due, visits of the day, portfolios, the debtors' recent
visits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import days_past_due
from backend.core.clock import today_in, utcnow
from backend.debtors import repository as debtors_repository
from backend.debtors.models import Debtor
from backend.field import days, holds, repository
from backend.field.config import field_settings
from backend.routing.geo import LatLon
from backend.routing.tour import Leg, Route, order_stops
from backend.users.models import User
from shared.schemas.contact import ContactHold
from shared.schemas.debtors import AddressRead
from shared.schemas.enums import AgingBucket, bucket_for
from shared.schemas.field import TravelMode, Worklist, WorklistStop


@dataclass(frozen=True, slots=True)
class WorklistQuery:
    day: date | None = None
    start: LatLon | None = None
    mode: TravelMode = "walking"
    bucket: AgingBucket | None = None
    promise_due: bool = False
    not_visited: bool = False


@dataclass(frozen=True, slots=True)
class _Stop:
    """A stop as the solver sees it (``StopLike``) plus the row it will become."""

    id: uuid.UUID
    lat: float | None
    lon: float | None
    row: WorklistStop
    account: Account
    debtor: Debtor

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def build(session: Session, agent: User, query: WorklistQuery) -> Worklist:
    timezone = days.agent_timezone(session, agent.id)
    now = utcnow()
    today = today_in(timezone)
    day = query.day or today
    candidates = [s for s in _stops(session, agent, day, timezone) if _kept(s.row, query)]
    on_file = [(s.account, s.debtor, s.row.address is not None) for s in candidates]
    reach = holds.reaches(session, on_file, now)
    opens, held = _judge(candidates, reach, day, now if day == today else None)
    stops = sorted((s for s in candidates if s.id in opens), key=_priority)
    depart_at = min(opens.values(), default=now) if day == today else None
    route = _route(stops, query, depart_at)
    if route is not None and depart_at is not None:
        # A stop reached after its last allowed hour of the day waits for another day.
        late = {leg.stop_id: _late(reach[leg.stop_id], leg, day) for leg in route.legs}  # type: ignore[index]
        held += [s.row.model_copy(update={"hold": late[s.id]}) for s in stops if late.get(s.id)]
        if any(late.values()):
            stops = [s for s in stops if not late.get(s.id)]
            route = _route(stops, query, depart_at)
    legs: dict[object, Leg] = {leg.stop_id: leg for leg in route.legs} if route else {}
    if route is not None:
        by_id = {s.id: s for s in stops}
        stops = [by_id[leg.stop_id] for leg in route.legs]  # type: ignore[index]
    settings = field_settings()
    return Worklist(
        agent_id=agent.id,
        date=day,
        timezone=timezone,
        start_latitude=query.start[0] if query.start else None,
        start_longitude=query.start[1] if query.start else None,
        mode=query.mode,
        speed_mps=settings.speed(query.mode),
        total_m=route.total_m if route else 0,
        duration_s=route.duration_s if route else 0,
        stops=[_placed(stop, n, legs.get(stop.id)) for n, stop in enumerate(stops, start=1)],
        unlocated=sum(1 for s in stops if not s.located),
        held_back=held,
        server_time=now,
    )


def _judge(
    stops: list[_Stop], reach: dict[uuid.UUID, holds.Reach], day: date, now: datetime | None
) -> tuple[dict[uuid.UUID, datetime], list[WorklistStop]]:
    """When each stop may first be visited on ``day`` (from ``now`` when it is today), and the
    stops the contact rules hold back all day, with the rule."""
    opens: dict[uuid.UUID, datetime] = {}
    held: list[WorklistStop] = []
    for stop in stops:
        start, end = holds.day_span(reach[stop.id], day)
        first = reach[stop.id].first_visit(max(start, now) if now else start, end)
        if isinstance(first, ContactHold):
            held.append(stop.row.model_copy(update={"hold": first}))
        else:
            opens[stop.id] = first
    return opens, held


def _late(reach: holds.Reach, leg: Leg, day: date) -> ContactHold | None:
    if leg.eta is None:
        return None
    first = reach.first_visit(leg.eta, holds.day_span(reach, day)[1])
    return first if isinstance(first, ContactHold) else None


def _route(stops: list[_Stop], query: WorklistQuery, depart_at: datetime | None) -> Route | None:
    """The solver's order from the start (else the first located stop by priority)."""
    start = query.start or next(((s.lat, s.lon) for s in stops if s.located), None)
    if start is None:
        return None
    settings = field_settings()
    return order_stops(
        start,  # type: ignore[arg-type]  # located stops have both coordinates
        stops,
        speed_mps=settings.speed(query.mode),
        service_minutes=settings.field_service_minutes,
        depart_at=depart_at,
    )


def _placed(stop: _Stop, position: int, leg: Leg | None) -> WorklistStop:
    return stop.row.model_copy(
        update={
            "position": position,
            "leg_m": leg.distance_m if leg else None,
            "cumulative_m": leg.cumulative_m if leg else None,
            "arrival_s": leg.arrival_s if leg else None,
            "eta": leg.eta if leg else None,
        }
    )


def _stops(session: Session, agent: User, day: date, timezone: str) -> list[_Stop]:
    rows = repository.worklist_rows(session, agent.id)
    promises = repository.promises_due(session, agent.id, day)
    instalments = repository.instalments_due(session, agent.id, day)
    start, end = days.day_bounds(day, timezone)
    outcomes = repository.outcomes_between(session, agent.id, start, end)
    phones = debtors_repository.phones_of(session, {debtor.id for _, debtor, _ in rows})
    stops = []
    for account, debtor, address in rows:
        dpd = days_past_due(account, day)
        located = address is not None and None not in (address.latitude, address.longitude)
        row = WorklistStop(
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
            instalment_due_today=account.id in instalments,
            instalment_amount_minor=instalments.get(account.id),
            visited_today=account.id in outcomes,
            last_outcome=outcomes.get(account.id),
        )
        lat, lon = (address.latitude, address.longitude) if located and address else (None, None)
        stops.append(_Stop(account.id, lat, lon, row, account, debtor))
    return stops


def _kept(row: WorklistStop, query: WorklistQuery) -> bool:
    if query.bucket is not None and row.aging_bucket != query.bucket:
        return False
    if query.promise_due and not (row.promise_due_today or row.instalment_due_today):
        return False
    return not (query.not_visited and row.visited_today)


def _priority(stop: _Stop) -> tuple[bool, int, uuid.UUID]:
    due = stop.row.promise_due_today or stop.row.instalment_due_today
    return (not due, -stop.row.days_past_due, stop.id)
