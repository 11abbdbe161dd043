"""An agent's skips and moves of the stops of their day (``StopEvent``).

The agent skips a stop (they will not visit it that day) or moves it in the day's order, with a
reason from a short list (``StopReason``), from the app (offline first: a ``stop`` action of
``POST /field/sync``) or ``POST /field/stop-events``. Both go through :func:`record`:

- Only stops of the agent's own day: with a stored team plan for that day, the stops the plan
  gave the agent; without one, debtors the agent holds an open account of. Anything else is
  ``stop_not_in_day`` (404), as if missing.
- Idempotent per device ``client_id`` (unique): a replay answers the stored change and writes
  nothing; the same id for a different change is ``idempotency_conflict``. Concurrent replays
  meet on the unique constraint; the loser answers the winner's row.
- Each new change writes one audit event (``field.stop_skipped`` / ``field.stop_moved``).

Who reads them (:func:`of_day`, ``GET /field/stop-events``): the agent their own, a supervisor
their team's, an admin everyone's (``backend.field.access``), one day at a time.

The worklist lays the day's changes over its stops (:func:`shared.stops.apply_changes`) and,
when there are any, times the resulting order again (:func:`retime`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.audit.service import record as audit
from backend.core.actors import Actor
from backend.core.clock import today_in, utcnow
from backend.core.errors import IdempotencyConflict, NotFound
from backend.field import days, repository
from backend.field.access import agents_in_scope
from backend.field.models import StopEvent
from backend.routing.geo import LatLon, geodesic_m
from backend.users.models import User
from shared.schemas.field import (
    DayStopEvent,
    StopEventKind,
    StopEventRead,
    StopPayload,
    WorklistStop,
)


class StopNotInDay(NotFound):
    code = "stop_not_in_day"


def record(
    session: Session,
    actor: Actor,
    agent: User,
    client_id: str,
    recorded_at: datetime | None,
    change: StopPayload,
) -> tuple[StopEvent, bool]:
    """Store one skip or move of the agent's day; ``(event, created)``."""
    if (existing := repository.stop_event(session, client_id)) is not None:
        return _replayed(existing, agent, change), False
    if not _in_day(session, agent.id, change.date, change.debtor_id):
        raise StopNotInDay()
    if change.after_debtor_id is not None and not _in_day(
        session, agent.id, change.date, change.after_debtor_id
    ):
        raise StopNotInDay()
    event = StopEvent(
        client_id=client_id,
        agent_id=agent.id,
        day=change.date,
        debtor_id=change.debtor_id,
        kind=change.kind,
        reason=change.reason,
        after_debtor_id=change.after_debtor_id,
        recorded_at=recorded_at or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:  # a concurrent replay of the same change stored it first
        winner = repository.stop_event(session, client_id)
        if winner is None:
            raise
        return _replayed(winner, agent, change), False
    action = "field.stop_skipped" if change.kind == StopEventKind.skip else "field.stop_moved"
    audit(
        session,
        actor,
        action,
        "debtor",
        change.debtor_id,
        after={
            "client_id": client_id,
            "date": change.date.isoformat(),
            "reason": change.reason.value,
            "after_debtor_id": str(change.after_debtor_id) if change.after_debtor_id else None,
        },
    )
    return event, True


def of_day(
    session: Session, user: User, day: date | None, agent_id: uuid.UUID | None
) -> list[DayStopEvent]:
    """The skips and moves of ``day`` (default: today in the agents' zone) of the agents in
    the caller's scope, or of one of them."""
    agents = agents_in_scope(session, user, agent_id)
    ids = [a.id for a in agents]
    if day is None:
        day = today_in(days.common(days.timezones_of(session, ids)) if ids else "UTC")
    return [
        DayStopEvent(**read(event).model_dump(), debtor_name=name)
        for event, name in repository.stop_events_of(session, ids, day)
    ]


def read(event: StopEvent) -> StopEventRead:
    return StopEventRead(
        id=event.id,
        client_id=event.client_id,
        agent_id=event.agent_id,
        date=event.day,
        debtor_id=event.debtor_id,
        kind=event.kind,
        reason=event.reason,
        after_debtor_id=event.after_debtor_id,
        recorded_at=event.recorded_at,
        received_at=event.received_at,
    )


def _replayed(event: StopEvent, agent: User, change: StopPayload) -> StopEvent:
    same = (event.agent_id, event.day, event.debtor_id, event.kind, event.after_debtor_id) == (
        agent.id,
        change.date,
        change.debtor_id,
        change.kind,
        change.after_debtor_id,
    )
    if not same or event.reason != change.reason:
        raise IdempotencyConflict()
    return event


def _in_day(session: Session, agent_id: uuid.UUID, day: date, debtor_id: uuid.UUID) -> bool:
    planned = repository.planned(session, day, [agent_id])
    if planned:
        return any(stop.debtor_id == debtor_id for stop, _, _ in planned)
    return repository.holds_debtor(session, agent_id, debtor_id)


def retime(
    stops: list[WorklistStop],
    start: LatLon | None,
    begin: datetime,
    speed_mps: float,
    visit_minutes: int,
    zone: ZoneInfo,
) -> list[WorklistStop]:
    """Legs and ETAs along ``stops`` as ordered, from ``start`` (else the first stop) at
    ``begin``: skipped and unlocated stops are passed by (no leg, no ETA)."""
    timed = []
    here, free, total = start, 0, 0
    for stop in stops:
        address = stop.address
        if stop.skipped is not None or address is None or address.latitude is None:
            timed.append(stop.model_copy(update=dict.fromkeys(_TIMING)))
            continue
        point = (address.latitude, address.longitude or 0.0)
        leg = round(geodesic_m(here, point)) if here else 0
        arrival = free + round(leg / speed_mps)
        free, total, here = arrival + visit_minutes * 60, total + leg, point
        timed.append(
            stop.model_copy(
                update={
                    "leg_m": leg,
                    "cumulative_m": total,
                    "arrival_s": arrival,
                    "eta": (begin + timedelta(seconds=arrival)).astimezone(zone),
                }
            )
        )
    return timed


_TIMING = ("leg_m", "cumulative_m", "arrival_s", "eta")


__all__ = ["StopNotInDay", "of_day", "read", "record", "retime"]
