"""API shapes of the field agent app: worklist, account bundles, offline sync, supervisor routes.

The app is offline-first. It keeps the worklist and an :class:`AccountBundle` per account on the
device, records every action in a local outbox as a :class:`SyncAction` (a client-generated
``client_id`` and the device time), and pushes the outbox in order with ``POST /field/sync``,
which answers one :class:`SyncResult` per action and the changes since the last cursor.

Payloads of the actions are typed below (:class:`VisitPayload`, :class:`PromisePayload`,
:class:`PaymentPayload`, :class:`LocationPayload`, :class:`NotePayload`, :class:`StopPayload`);
they travel as plain objects so that one invalid action is answered ``rejected`` without
failing the whole batch.
Amounts go in as decimal strings in major units (``"150.50"``) and come out as ``*_minor`` ints.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, WithJsonSchema, model_validator

from shared.schemas.accounts import AccountRead
from shared.schemas.contact import ContactHold
from shared.schemas.debtors import AddressRead, DebtorRead
from shared.schemas.enums import AccountStatus, AgingBucket
from shared.schemas.ledger import EntryRead
from shared.schemas.negotiation import InstalmentRead, PlanRead, PromiseRead


class VisitOutcome(StrEnum):
    paid = "paid"
    promise = "promise"
    plan_agreed = "plan_agreed"
    not_home = "not_home"
    moved = "moved"
    refused = "refused"
    wrong_address = "wrong_address"
    other = "other"


class SyncActionType(StrEnum):
    visit = "visit"
    promise = "promise"
    payment = "payment"
    location = "location"
    note = "note"
    stop = "stop"


class SyncStatus(StrEnum):
    """``applied``: done now. ``duplicate``: this client_id was handled before (nothing was done
    again; ``original_status`` and ``entity_id`` tell the first result). ``conflict``: the server
    state changed under the agent (see ``code`` and ``server_state``); whether something was
    written is told by ``entity_id``. ``rejected``: nothing was written (``code`` says why)."""

    applied = "applied"
    duplicate = "duplicate"
    conflict = "conflict"
    rejected = "rejected"


class StopEventKind(StrEnum):
    """``skip``: the agent will not visit the stop that day. ``move``: the agent puts the stop
    elsewhere in the day's order (after ``after_debtor_id``; none: first)."""

    skip = "skip"
    move = "move"


class StopReason(StrEnum):
    """Why the agent skipped or moved a stop."""

    not_home = "not_home"
    wrong_address = "wrong_address"
    danger = "danger"
    appointment = "appointment"
    other = "other"


TravelMode = Literal["walking", "motorbike", "car"]
#: Why a stop worth visiting is not in the day: the shift cannot hold it, or its address has no
#: coordinates to plan a visit by.
NotTodayReason = Literal["shift_full", "no_location"]


# --- Shifts -----------------------------------------------------------------------------------


# A wall-clock time of the portfolio's zone, without an offset: JSON Schema's "time" format
# requires one (RFC 3339), so the schema states the form instead.
WallTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "local wall-clock time, HH:MM[:SS]",
        }
    ),
]


class ShiftRead(BaseModel):
    """When and how an agent works; times are wall-clock times of the portfolio's zone."""

    agent_id: uuid.UUID
    start_latitude: float | None = Field(description="where the day starts; None: first stop")
    start_longitude: float | None
    start_time: WallTime
    end_time: WallTime
    mode: TravelMode
    speed_mps: float = Field(description="straight-line speed used for the ETAs")
    visit_minutes: int
    is_default: bool = Field(description="no shift stored for the agent: the defaults apply")


class ShiftUpdate(BaseModel):
    """A supervisor's or admin's edit of an agent's shift (the whole shift; ``speed_mps``
    None uses the mode's default speed)."""

    start_latitude: float | None = Field(default=None, ge=-90, le=90)
    start_longitude: float | None = Field(default=None, ge=-180, le=180)
    start_time: WallTime
    end_time: WallTime
    mode: TravelMode = "walking"
    speed_mps: float | None = Field(default=None, gt=0, le=40)
    visit_minutes: int = Field(default=10, ge=1, le=240)

    @model_validator(mode="after")
    def _consistent(self) -> ShiftUpdate:
        if (self.start_latitude is None) != (self.start_longitude is None):
            raise ValueError("start_latitude and start_longitude go together")
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        return self


# --- Worklist -------------------------------------------------------------------------------


class StopAccount(BaseModel):
    """One of the accounts a stop settles."""

    account_id: uuid.UUID
    external_ref: str
    product: str
    status: AccountStatus
    currency: str
    balance_minor: int
    days_past_due: int
    promise_due_today: bool
    instalment_due_today: bool


class WorklistStop(BaseModel):
    """One debtor to visit at their address, with every account of theirs the agent holds
    there. The account fields (``account_id`` to ``aging_bucket``) are those of the most
    valuable account, except ``balance_minor``: the sum of the stop's accounts in ``currency``.
    Distances are straight-line metres; ``None`` without coordinates."""

    position: int = Field(description="1-based place in the suggested visit order")
    account_id: uuid.UUID = Field(description="the stop's most valuable account")
    external_ref: str
    product: str
    status: AccountStatus
    currency: str
    balance_minor: int
    days_past_due: int
    aging_bucket: AgingBucket
    debtor_id: uuid.UUID
    debtor_name: str
    phones: list[str]
    address: AddressRead | None = Field(description="the debtor's primary address")
    leg_m: int | None = Field(description="metres from the previous stop (or the start)")
    cumulative_m: int | None
    arrival_s: int | None = Field(description="seconds from departure to arrival here")
    eta: datetime | None
    promise_due_today: bool
    promise_amount_minor: int | None = None
    instalment_due_today: bool
    instalment_amount_minor: int | None = None
    visited_today: bool
    last_outcome: VisitOutcome | None = Field(
        default=None, description="outcome of the latest visit on this account that day"
    )
    hold: ContactHold | None = Field(
        default=None, description="in held_back: the contact rule that forbids a visit that day"
    )
    segment: str | None = Field(
        default=None, description="the segment of the stop's most valuable account, if any"
    )
    accounts: list[StopAccount] = Field(
        default_factory=list, description="every account visited at this stop, most valuable first"
    )
    value_minor: int = Field(
        default=0, description="what the visit is worth (backend.field.value), in currency"
    )
    reason: NotTodayReason | None = Field(default=None, description="in not_today: why")
    skipped: StopReason | None = Field(
        default=None, description="the agent skipped the stop that day, and why"
    )


class Worklist(BaseModel):
    agent_id: uuid.UUID
    date: date
    timezone: str = Field(description="the day's timezone (that of the agent's portfolios)")
    start_latitude: float | None
    start_longitude: float | None
    mode: TravelMode
    speed_mps: float
    total_m: int = Field(description="metres from the start to the last located stop")
    duration_s: int
    stops: list[WorklistStop] = Field(description="located stops in order, then unlocated ones")
    unlocated: int = Field(description="how many stops (at the end) have no coordinates")
    held_back: list[WorklistStop] = Field(
        default_factory=list,
        description="open accounts the contact rules forbid visiting that day, with the rule",
    )
    not_today: list[WorklistStop] = Field(
        default_factory=list,
        description="stops worth a visit that the day cannot hold, most valuable first",
    )
    shift_start: datetime | None = Field(
        default=None, description="departure, in the day's time zone (ETAs count from here)"
    )
    shift_end: datetime | None = Field(default=None, description="every visit is over by then")
    visit_minutes: int = 10
    planned_by_team: bool = Field(
        default=False,
        description="the stops, order and ETAs come from the supervisor's stored team plan",
    )
    applied_events: list[str] = Field(
        default_factory=list,
        description="client ids of the agent's skips and moves of that day already reflected",
    )
    server_time: datetime


# --- Account bundle (the device's local store) ----------------------------------------------


class VisitRead(BaseModel):
    id: uuid.UUID
    client_id: str
    account_id: uuid.UUID
    agent_id: uuid.UUID
    checked_in_at: datetime = Field(description="device time of the check-in")
    checked_out_at: datetime | None
    received_at: datetime = Field(description="server time the visit arrived")
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    distance_m: int | None = Field(description="to the debtor's primary address; None unknown")
    far: bool = Field(description="distance_m above the far-visit threshold")
    outcome: VisitOutcome
    note: str | None
    photo_ref: str | None
    next_action_date: date | None
    photo_ids: list[uuid.UUID] = Field(
        default_factory=list, description="its photos (GET /field/photos/{id}), oldest first"
    )


class NoteRead(BaseModel):
    id: uuid.UUID
    client_id: str
    account_id: uuid.UUID
    agent_id: uuid.UUID
    text: str
    recorded_at: datetime
    received_at: datetime


class AccountBundle(BaseModel):
    """Everything the app shows for one account, in one request (for the offline store)."""

    account: AccountRead
    debtor: DebtorRead
    ledger: list[EntryRead] = Field(description="the latest entries, newest first (up to 20)")
    plan: PlanRead | None = Field(description="the active plan, if any")
    promise: PromiseRead | None = Field(description="the open promise, if any")
    visits: list[VisitRead] = Field(description="the latest visits, newest first (up to 10)")
    notes: list[NoteRead] = Field(description="the latest notes, newest first (up to 10)")


class AccountState(BaseModel):
    """The server's current view of an account, returned with conflicts."""

    account_id: uuid.UUID
    status: AccountStatus
    currency: str
    balance_minor: int
    days_past_due: int
    aging_bucket: AgingBucket
    assigned_to_you: bool
    open_promise: PromiseRead | None
    active_plan_id: uuid.UUID | None
    next_instalment: InstalmentRead | None
    updated_at: datetime


# --- Sync: action payloads ------------------------------------------------------------------


class VisitPayload(BaseModel):
    """A visit at the debtor's address. ``checked_in_at`` defaults to the action's
    ``recorded_at``. When the outcome is ``paid`` or ``promise`` the app also sends the
    ``payment`` or ``promise`` action (a visit books no money and promises nothing)."""

    outcome: VisitOutcome
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    checked_in_at: AwareDatetime | None = None
    checked_out_at: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=2000)
    photo_ref: str | None = Field(default=None, max_length=300)
    next_action_date: date | None = None


class PromisePayload(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=18)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    due_date: date


class PaymentPayload(BaseModel):
    """Cash, transfer or card terminal; the receipt number is unique per agent."""

    amount: Decimal = Field(gt=0, max_digits=18)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    method: Literal["cash", "transfer", "card_terminal"]
    receipt_number: str = Field(min_length=1, max_length=40)
    paid_on: date
    photo_ref: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class LocationPoint(BaseModel):
    recorded_at: AwareDatetime
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class LocationPayload(BaseModel):
    """Pings taken while on shift, batched; a point already stored (same agent and
    ``recorded_at``) is skipped, so replays add nothing."""

    points: list[LocationPoint] = Field(min_length=1, max_length=1000)


class NotePayload(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class StopPayload(BaseModel):
    """A skip or a move of one stop (a debtor) of the agent's day ``date``."""

    kind: StopEventKind
    date: dt.date
    debtor_id: uuid.UUID
    reason: StopReason
    after_debtor_id: uuid.UUID | None = Field(
        default=None, description="move: the stop it now follows; none puts it first"
    )

    @model_validator(mode="after")
    def _consistent(self) -> StopPayload:
        if self.kind == StopEventKind.skip and self.after_debtor_id is not None:
            raise ValueError("after_debtor_id is for moves only")
        if self.after_debtor_id == self.debtor_id:
            raise ValueError("a stop cannot follow itself")
        return self


class StopEventCreate(StopPayload):
    """``POST /field/stop-events``: the same change the outbox sends as a ``stop`` action."""

    client_id: str = Field(
        min_length=8, max_length=64, description="generated on the device, unique per change"
    )
    recorded_at: AwareDatetime | None = Field(default=None, description="device time; now")


class StopEventRead(BaseModel):
    id: uuid.UUID
    client_id: str
    agent_id: uuid.UUID
    date: dt.date
    debtor_id: uuid.UUID
    kind: StopEventKind
    reason: StopReason
    after_debtor_id: uuid.UUID | None
    recorded_at: datetime
    received_at: datetime


class DayStopEvent(StopEventRead):
    """A skip or move of an agent's day, for their supervisor (``GET /field/stop-events``)."""

    debtor_name: str


# --- Sync: request and response ---------------------------------------------------------------


class SyncAction(BaseModel):
    client_id: str = Field(
        min_length=8, max_length=64, description="generated on the device, unique per action"
    )
    type: SyncActionType
    account_id: uuid.UUID | None = Field(
        default=None, description="required except for location and stop"
    )
    recorded_at: AwareDatetime = Field(description="device time the action was recorded")
    payload: dict[str, Any] = Field(description="the payload model of the action's type")


class SyncRequest(BaseModel):
    device_id: str = Field(min_length=1, max_length=64)
    cursor: str | None = Field(
        default=None, max_length=200, description="the cursor of the previous sync; null at first"
    )
    actions: list[SyncAction] = Field(default_factory=list, max_length=500)


class SyncResult(BaseModel):
    client_id: str
    status: SyncStatus
    code: str | None = Field(default=None, description="why, for conflict and rejected")
    message: str | None = Field(default=None, description="in the Accept-Language language")
    details: dict[str, Any] | None = None
    entity_id: uuid.UUID | None = Field(
        default=None, description="the visit, promise, payment or note written (if any)"
    )
    original_status: SyncStatus | None = Field(
        default=None, description="for duplicates: the status of the first time"
    )
    server_state: AccountState | None = None


class SyncChanges(BaseModel):
    accounts: list[AccountBundle] = Field(
        description="the agent's accounts changed since the cursor (all open ones at first sync)"
    )
    removed_account_ids: list[uuid.UUID] = Field(
        description="accounts unassigned from the agent since the cursor: drop them"
    )


class SyncResponse(BaseModel):
    results: list[SyncResult]
    changes: SyncChanges
    cursor: str = Field(description="opaque; send it with the next sync")
    server_time: datetime


# --- Supervisor routes -------------------------------------------------------------------------


class TrailPoint(BaseModel):
    recorded_at: datetime
    latitude: float
    longitude: float
    accuracy_m: float | None


class RouteVisit(BaseModel):
    visit_id: uuid.UUID
    account_id: uuid.UUID
    external_ref: str
    debtor_name: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    stop_s: int | None = Field(
        description="time at the stop: check-in to check-out, else to the next visit or to the "
        "first later ping away from the stop; None when unknown"
    )
    latitude: float | None
    longitude: float | None
    distance_m: int | None
    far: bool
    outcome: VisitOutcome
    note: str | None


class MoneyTotal(BaseModel):
    currency: str
    count: int
    amount_minor: int


class AgentRoute(BaseModel):
    agent_id: uuid.UUID
    agent_name: str
    date: date
    timezone: str
    trail: list[TrailPoint] = Field(description="location pings in time order")
    trail_m: int = Field(description="straight-line metres along the trail")
    visits: list[RouteVisit] = Field(description="in check-in order")
    planned: int = Field(description="open accounts of the agent plus any visited that day")
    visited: int = Field(description="distinct accounts visited that day")
    far_visits: int
    collected: list[MoneyTotal] = Field(description="field payments taken that day, by currency")
    promised: list[MoneyTotal] = Field(description="promises recorded that day, by currency")


class RouteSummaryRow(BaseModel):
    agent_id: uuid.UUID
    agent_name: str
    planned: int
    visited: int
    visits: int
    far_visits: int
    pings: int
    first_at: datetime | None = Field(description="first ping or visit of the day")
    last_at: datetime | None
    collected: list[MoneyTotal]
    promised: list[MoneyTotal]


class RouteSummary(BaseModel):
    date: date
    timezone: str
    agents: list[RouteSummaryRow]


# --- Team plan --------------------------------------------------------------------------------


class TeamPlanRequest(BaseModel):
    date: dt.date | None = Field(default=None, description="default: tomorrow in the team's zone")
    agent_ids: list[uuid.UUID] | None = Field(
        default=None, description="default: every active agent of the caller's scope"
    )


class PlannedStopRead(BaseModel):
    position: int
    debtor_id: uuid.UUID
    debtor_name: str
    account_ids: list[uuid.UUID]
    eta: datetime = Field(description="in the plan's time zone")
    leg_m: int
    value_minor: int
    currency: str
    latitude: float | None
    longitude: float | None


class AgentPlan(BaseModel):
    agent_id: uuid.UUID
    agent_name: str
    shift: ShiftRead
    stops: list[PlannedStopRead]
    travel_m: int
    value_minor: int


class DroppedStop(BaseModel):
    """A stop worth a visit that the team plan gives nobody that day."""

    debtor_id: uuid.UUID
    debtor_name: str
    agent_ids: list[uuid.UUID] = Field(description="the agents holding the debtor's accounts")
    account_ids: list[uuid.UUID]
    value_minor: int
    currency: str
    reason: NotTodayReason = Field(
        description="shift_full: the holder's shift cannot hold it; no_location: no coordinates"
    )


class TeamPlan(BaseModel):
    date: date
    timezone: str
    agents: list[AgentPlan]
    candidates: int = Field(description="stops worth a visit that day, across the team")
    dropped: int = Field(description="candidates no shift could hold (the least valuable)")
    dropped_stops: list[DroppedStop] = Field(
        default_factory=list, description="those candidates, most valuable first"
    )


# --- Visit photos and the day's cash ----------------------------------------------------------


class VisitPhotoRead(BaseModel):
    id: uuid.UUID
    client_id: str
    visit_id: uuid.UUID
    account_id: uuid.UUID
    content_type: str = Field(description="image/jpeg, image/png, image/webp or image/heic")
    size_bytes: int
    taken_at: datetime | None = Field(description="device time the photo was taken")
    received_at: datetime


class CashPayment(BaseModel):
    payment_id: uuid.UUID
    account_id: uuid.UUID
    external_ref: str
    debtor_name: str
    amount_minor: int
    currency: str
    received_at: datetime = Field(description="when the server booked it, in the day's zone")
    receipt_number: str | None
    verification_code: str | None


class CashSummary(BaseModel):
    """The cash an agent took on a local day, to deposit: each payment and the totals."""

    agent_id: uuid.UUID
    agent_name: str
    date: date
    timezone: str
    payments: list[CashPayment] = Field(description="in the order they were booked")
    totals: list[MoneyTotal] = Field(description="by currency")
