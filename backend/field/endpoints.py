"""The field agent app's API: worklist, account bundles, offline sync, supervisor routes."""

from __future__ import annotations

import uuid
from datetime import date as Date
from typing import Annotated

from fastapi import Query

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import CurrentUser, Lang, SessionDep, Staff, actor_of
from backend.core.errors import Forbidden, ValidationFailed
from backend.core.routing import DomainRouter
from backend.field import bundles, routes, shifts, sync, team, worklist
from backend.field.access import one_agent
from backend.field.guards import FieldAgent
from backend.field.worklist import WorklistQuery
from backend.privacy import reads
from shared.schemas.enums import AgingBucket, Role
from shared.schemas.field import (
    AccountBundle,
    AgentRoute,
    RouteSummary,
    ShiftRead,
    ShiftUpdate,
    SyncRequest,
    SyncResponse,
    TeamPlan,
    TeamPlanRequest,
    TravelMode,
    Worklist,
)
from shared.schemas.segments import SEGMENT_NAME

router = DomainRouter(prefix="/field", tags=["field"])

# A sync batch may carry up to 500 actions, a day of location pings among them (the largest
# request body of POST /field/sync: backend.core.bodylimit).
SYNC_BODY_BYTES = 8 * 1024 * 1024

Timezone = Annotated[
    str | None, Query(max_length=64, description="IANA timezone of the day; default the agents'")
]


@router.get("/worklist", response_model=Worklist)
def get_worklist(
    session: SessionDep,
    user: CurrentUser,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="start position")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    day: Annotated[
        Date | None, Query(alias="date", description="default: today (agent's timezone)")
    ] = None,
    bucket: AgingBucket | None = None,
    promise_due: bool = False,
    not_visited: bool = False,
    segment: Annotated[
        str | None, Query(pattern=SEGMENT_NAME, description="stops of this segment only")
    ] = None,
    mode: Annotated[TravelMode | None, Query(description="default: the shift's")] = None,
    agent_id: Annotated[uuid.UUID | None, Query(description="supervisors and admins")] = None,
) -> object:
    """The agent's day inside their shift: one stop per debtor and address, the ones worth a
    visit that fit before the shift ends, in visit order from the shift's start place (else
    ``lat``/``lon``, else the most valuable stop), ETAs in the day's time zone; the rest in
    ``not_today`` and ``held_back``. ``promise_due`` keeps stops with a promise or instalment
    due that day; ``not_visited`` drops those visited that day; ``segment`` keeps the stops
    whose most valuable account is in that segment (``GET /accounts/{id}/segment``)."""
    if (lat is None) != (lon is None):
        raise ValidationFailed("error.start_position")
    agent = one_agent(session, user, agent_id)
    query = WorklistQuery(
        day=day,
        start=(lat, lon) if lat is not None and lon is not None else None,
        mode=mode,
        bucket=bucket,
        promise_due=promise_due,
        not_visited=not_visited,
        segment=segment,
    )
    found = worklist.build(session, agent, query)
    shown = [stop.debtor_id for stop in (*found.stops, *found.held_back)]
    reads.note(actor_of(user), shown, reads.FIELD_WORKLIST)
    return found


@router.get("/accounts/{account_id}", response_model=AccountBundle)
def get_account_bundle(session: SessionDep, user: CurrentUser, account: VisibleAccount) -> object:
    """Account, debtor (phones, addresses), latest ledger entries, active plan, open promise,
    latest visits and notes: one request per account for the device's offline store."""
    bundle = bundles.for_accounts(session, [account.id])[0]
    reads.note(actor_of(user), [bundle.debtor.id], reads.FIELD_ACCOUNT)
    return bundle


@router.post("/sync", response_model=SyncResponse)
def post_sync(session: SessionDep, user: CurrentUser, body: SyncRequest, lang: Lang) -> object:
    """Push the outbox (applied in order, each action once per ``client_id``) and pull the
    changes since ``cursor``. Agents only. Each action gets ``applied``, ``duplicate``,
    ``conflict`` (with ``server_state``) or ``rejected``; see ``backend/field/sync.py``."""
    response = sync.sync(session, user, body, lang)
    shown = [bundle.debtor.id for bundle in response.changes.accounts]
    reads.note(actor_of(user), shown, reads.FIELD_SYNC)
    return response


@router.get("/routes", response_model=list[AgentRoute])
def get_routes(
    session: SessionDep,
    user: CurrentUser,
    day: Annotated[Date | None, Query(alias="date")] = None,
    agent_id: uuid.UUID | None = None,
    tz: Timezone = None,
) -> object:
    """Each agent's day: GPS trail, visits with time at stop and far flags, planned vs visited,
    collected and promised. Agents see themselves, supervisors their team, admins everyone."""
    return routes.routes(session, user, day=day, agent_id=agent_id, timezone=tz)


@router.get("/routes/summary", response_model=RouteSummary)
def get_routes_summary(
    session: SessionDep,
    user: CurrentUser,
    day: Annotated[Date | None, Query(alias="date")] = None,
    tz: Timezone = None,
) -> object:
    """One row per agent in the caller's scope for the day."""
    return routes.summary(session, user, day=day, timezone=tz)


@router.get("/agents/{agent_id}/shift", response_model=ShiftRead)
def get_shift(session: SessionDep, agent: FieldAgent) -> object:
    """The agent's shift (the defaults when none is stored)."""
    return shifts.shifts_of(session, [agent.id])[agent.id].read()


@router.put("/agents/{agent_id}/shift", response_model=ShiftRead)
def put_shift(
    session: SessionDep, user: CurrentUser, agent: FieldAgent, body: ShiftUpdate
) -> object:
    """Set the agent's shift: their supervisor or an admin."""
    if user.role not in (Role.supervisor, Role.admin):
        raise Forbidden()
    return shifts.update(session, actor_of(user), agent.id, body)


@router.post("/plans", response_model=TeamPlan)
def post_team_plan(session: SessionDep, user: Staff, body: TeamPlanRequest) -> object:
    """Plan a day (default tomorrow) for the whole team at once: the team's stops split among
    its agents, each inside their shift, least valuable stops left out; replaces the day's
    stored plan of those agents."""
    return team.plan(session, user, actor_of(user), body)


@router.get("/plans", response_model=TeamPlan)
def get_team_plan(
    session: SessionDep,
    user: Staff,
    day: Annotated[Date | None, Query(alias="date", description="default: tomorrow")] = None,
) -> object:
    """The stored team plan of a day for the caller's agents."""
    return team.stored(session, user, day)
