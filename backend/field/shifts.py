"""Agents' shifts: where and when a field day starts and ends, how the agent travels, and how
long a visit takes.

An agent without a stored shift works the defaults of ``backend.field.config`` (08:00-17:00
on foot, 10 minutes a visit, no start place). Times are wall-clock times of the day's time zone
(the agent's portfolios'), so a shift is the same hours all year, DST or not. A supervisor edits
their team's shifts, an admin anyone's; each edit is one upsert (concurrent edits of the same
agent leave one row, the last one) and one audit event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit.service import record
from backend.core.actors import Actor
from backend.field import repository
from backend.field.config import field_settings
from backend.field.models import AgentShift
from backend.routing.geo import LatLon
from shared.schemas.field import ShiftRead, ShiftUpdate, TravelMode


@dataclass(frozen=True, slots=True)
class Shift:
    agent_id: uuid.UUID
    start: LatLon | None
    start_time: time
    end_time: time
    mode: TravelMode
    speed_mps: float
    visit_minutes: int
    is_default: bool

    def bounds(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The shift on ``day``, as aware datetimes in ``zone``."""
        return datetime.combine(day, self.start_time, zone), datetime.combine(
            day, self.end_time, zone
        )

    def read(self) -> ShiftRead:
        return ShiftRead(
            agent_id=self.agent_id,
            start_latitude=self.start[0] if self.start else None,
            start_longitude=self.start[1] if self.start else None,
            start_time=self.start_time,
            end_time=self.end_time,
            mode=self.mode,
            speed_mps=self.speed_mps,
            visit_minutes=self.visit_minutes,
            is_default=self.is_default,
        )


def shifts_of(session: Session, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, Shift]:
    """Each agent's shift, the defaults for those without one; one query."""
    stored = repository.shifts(session, agent_ids)
    return {agent: _shift(agent, stored.get(agent)) for agent in agent_ids}


def update(session: Session, actor: Actor, agent_id: uuid.UUID, body: ShiftUpdate) -> ShiftRead:
    before = repository.shifts(session, [agent_id]).get(agent_id)
    values = body.model_dump()
    repository.upsert_shift(session, agent_id, values)
    record(
        session,
        actor,
        "field.shift_updated",
        "user",
        agent_id,
        before=_audited(before.model_dump()) if before else None,
        after=_audited(values),
    )
    return shifts_of(session, [agent_id])[agent_id].read()


def _audited(values: dict[str, object]) -> dict[str, object]:
    keys = ShiftUpdate.model_fields
    return {k: v.isoformat() if isinstance(v, time) else v for k, v in values.items() if k in keys}


def _shift(agent_id: uuid.UUID, row: AgentShift | None) -> Shift:
    settings = field_settings()
    if row is None:
        return Shift(
            agent_id=agent_id,
            start=None,
            start_time=settings.field_shift_start,
            end_time=settings.field_shift_end,
            mode="walking",
            speed_mps=settings.speed("walking"),
            visit_minutes=settings.field_service_minutes,
            is_default=True,
        )
    mode: TravelMode = row.mode  # type: ignore[assignment]  # written from ShiftUpdate only
    located = row.start_latitude is not None and row.start_longitude is not None
    return Shift(
        agent_id=agent_id,
        start=(row.start_latitude, row.start_longitude) if located else None,  # type: ignore[arg-type]
        start_time=row.start_time,
        end_time=row.end_time,
        mode=mode,
        speed_mps=row.speed_mps or settings.speed(mode),
        visit_minutes=row.visit_minutes,
        is_default=False,
    )
