"""Field work: visits, notes, location pings, and the idempotency record of every synced action.

Times called ``*_at`` that come from the device (``checked_in_at``, ``recorded_at``) are the
device's clock; ``received_at`` is the server's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import (
    created_at_field,
    datetime_field,
    enum_field,
    id_field,
    json_field,
    updated_at_field,
)
from shared.schemas.field import (
    StopEventKind,
    StopReason,
    SyncActionType,
    SyncStatus,
    VisitOutcome,
)


class Visit(SQLModel, table=True):
    """An agent at a debtor's address. ``distance_m`` is the geodesic distance from the check-in
    position to the debtor's primary address (None when either has no coordinates); ``far`` is
    whether it exceeded the far-visit threshold in force when the visit arrived."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_agent_checked_in", "agent_id", "checked_in_at"),
        Index("ix_visits_account_checked_in", "account_id", "checked_in_at"),
        Index("ix_visits_received_at", "received_at"),
    )

    id: uuid.UUID = id_field()
    client_id: str = Field(max_length=64, unique=True)
    agent_id: uuid.UUID = Field(foreign_key="users.id")
    account_id: uuid.UUID = Field(foreign_key="accounts.id")
    checked_in_at: datetime = datetime_field(nullable=False)
    checked_out_at: datetime | None = datetime_field()
    received_at: datetime = created_at_field()
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    distance_m: int | None = None
    far: bool = False
    outcome: VisitOutcome = enum_field(VisitOutcome)
    note: str | None = Field(default=None, max_length=2000)
    photo_ref: str | None = Field(default=None, max_length=300)
    next_action_date: date | None = None


class VisitPhoto(SQLModel, table=True):
    """A photo an agent took at a visit (``backend.field.photos``), stored once per
    ``client_id`` (made on the device when the photo was taken): a replayed or concurrent
    upload finds the first one. ``account_id`` is the visit's, for the account's scope."""

    __tablename__ = "visit_photos"

    id: uuid.UUID = id_field()
    client_id: str = Field(max_length=64, unique=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    agent_id: uuid.UUID = Field(foreign_key="users.id")
    content_type: str = Field(max_length=40)
    size_bytes: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    taken_at: datetime | None = datetime_field()
    received_at: datetime = created_at_field()


class FieldNote(SQLModel, table=True):
    """A free-text note an agent left on an account outside a visit."""

    __tablename__ = "field_notes"
    __table_args__ = (Index("ix_field_notes_account_recorded", "account_id", "recorded_at"),)

    id: uuid.UUID = id_field()
    client_id: str = Field(max_length=64, unique=True)
    agent_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id")
    text: str = Field(max_length=2000)
    recorded_at: datetime = datetime_field(nullable=False)
    received_at: datetime = created_at_field()


class LocationPing(SQLModel, table=True):
    """One GPS fix of an agent on shift. Unique per (agent, device time): replays add nothing."""

    __tablename__ = "location_pings"
    __table_args__ = (
        UniqueConstraint("agent_id", "recorded_at", name="uq_location_ping"),
        Index("ix_location_pings_received_at", "received_at"),
    )

    id: uuid.UUID = id_field()
    agent_id: uuid.UUID = Field(foreign_key="users.id")
    recorded_at: datetime = datetime_field(nullable=False)
    latitude: float
    longitude: float
    accuracy_m: float | None = None
    received_at: datetime = created_at_field()


class SyncRecord(SQLModel, table=True):
    """The answer given to one pushed action, kept under its unique ``client_id``: a replay
    is answered from here and nothing is applied twice. ``account_id`` has no foreign key so
    that actions rejected for an unknown account are recorded too."""

    __tablename__ = "sync_actions"

    id: uuid.UUID = id_field()
    client_id: str = Field(max_length=64, unique=True)
    agent_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    device_id: str = Field(max_length=64)
    type: SyncActionType = enum_field(SyncActionType)
    account_id: uuid.UUID | None = Field(default=None, index=True)
    recorded_at: datetime = datetime_field(nullable=False)
    status: SyncStatus = enum_field(SyncStatus)
    code: str | None = Field(default=None, max_length=60)
    message_key: str | None = Field(default=None, max_length=80)
    details: dict[str, Any] | None = json_field(lambda: None, nullable=True)
    entity_id: uuid.UUID | None = Field(default=None, index=True)
    received_at: datetime = created_at_field()


class AgentShift(SQLModel, table=True):
    """When and how an agent works (see ``backend.field.shifts``; agents without a row get
    the defaults). Times are wall-clock times of the agent's portfolio time zone; the start
    place is optional (without it a day starts at its first stop)."""

    __tablename__ = "agent_shifts"

    id: uuid.UUID = id_field()
    agent_id: uuid.UUID = Field(foreign_key="users.id", unique=True)
    start_latitude: float | None = None
    start_longitude: float | None = None
    start_time: time
    end_time: time
    mode: str = Field(max_length=20)
    speed_mps: float | None = None
    visit_minutes: int
    updated_at: datetime = updated_at_field()


class PlannedStop(SQLModel, table=True):
    """One stop of a team plan (``backend.field.team``): a debtor at their address, given to
    one agent for one local day, with the accounts it settles and the planned arrival. A debtor
    is planned at most once a day and each agent's positions are distinct: two plans of the
    same day racing cannot both be stored."""

    __tablename__ = "planned_stops"
    __table_args__ = (
        UniqueConstraint("day", "debtor_id", name="uq_planned_stop_debtor"),
        UniqueConstraint("day", "agent_id", "position", name="uq_planned_stop_position"),
    )

    id: uuid.UUID = id_field()
    day: date
    agent_id: uuid.UUID = Field(foreign_key="users.id")
    position: int
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")
    account_ids: list[str] = json_field(list)
    eta: datetime = datetime_field(nullable=False)
    leg_m: int
    value_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    planned_by_id: uuid.UUID = Field(foreign_key="users.id")
    planned_at: datetime = created_at_field()


class StopEvent(SQLModel, table=True):
    """An agent skipped a stop of their day, or moved it in the day's order (after
    ``after_debtor_id``; None: to the front), with a reason (``backend.field.stops``). One row
    per device ``client_id``: a replay adds nothing."""

    __tablename__ = "stop_events"
    __table_args__ = (Index("ix_stop_events_agent_day", "agent_id", "day"),)

    id: uuid.UUID = id_field()
    client_id: str = Field(max_length=64, unique=True)
    agent_id: uuid.UUID = Field(foreign_key="users.id")
    day: date
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")
    kind: StopEventKind = enum_field(StopEventKind)
    reason: StopReason = enum_field(StopReason)
    after_debtor_id: uuid.UUID | None = Field(default=None, foreign_key="debtors.id")
    recorded_at: datetime = datetime_field(nullable=False)
    received_at: datetime = created_at_field()
