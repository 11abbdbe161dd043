"""The field agent app's API: worklist, account bundles, offline sync, supervisor routes."""

from __future__ import annotations

import uuid
from datetime import date as Date
from typing import Annotated

from fastapi import Query

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import CurrentUser, Lang, SessionDep
from backend.core.errors import ValidationFailed
from backend.core.routing import DomainRouter
from backend.field import bundles, routes, sync, worklist
from backend.field.access import one_agent
from backend.field.worklist import WorklistQuery
from shared.schemas.enums import AgingBucket
from shared.schemas.field import (
    AccountBundle,
    AgentRoute,
    RouteSummary,
    SyncRequest,
    SyncResponse,
    TravelMode,
    Worklist,
)

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
    mode: TravelMode = "walking",
    agent_id: Annotated[uuid.UUID | None, Query(description="supervisors and admins")] = None,
) -> object:
    """The agent's open accounts in suggested visit order from ``lat``/``lon`` (stops without
    coordinates last). ``promise_due`` keeps stops with a promise or instalment due that day;
    ``not_visited`` drops those visited that day."""
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
    )
    return worklist.build(session, agent, query)


@router.get("/accounts/{account_id}", response_model=AccountBundle)
def get_account_bundle(session: SessionDep, account: VisibleAccount) -> object:
    """Account, debtor (phones, addresses), latest ledger entries, active plan, open promise,
    latest visits and notes: one request per account for the device's offline store."""
    return bundles.for_accounts(session, [account.id])[0]


@router.post("/sync", response_model=SyncResponse)
def post_sync(session: SessionDep, user: CurrentUser, body: SyncRequest, lang: Lang) -> object:
    """Push the outbox (applied in order, each action once per ``client_id``) and pull the
    changes since ``cursor``. Agents only. Each action gets ``applied``, ``duplicate``,
    ``conflict`` (with ``server_state``) or ``rejected``; see ``backend/field/sync.py``."""
    return sync.sync(session, user, body, lang)


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
