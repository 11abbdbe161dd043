"""The field agent app's API: worklist, account bundles, offline sync, supervisor routes."""

from __future__ import annotations

import uuid
from datetime import date as Date
from datetime import datetime
from typing import Annotated

from fastapi import Depends, File, Form, Query, Response, UploadFile
from pydantic import AwareDatetime

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import CurrentUser, Lang, SessionDep, Staff, actor_of
from backend.core.clock import utcnow
from backend.core.errors import Forbidden, ValidationFailed
from backend.core.routing import DomainRouter
from backend.documents.endpoints import PDF, LangQuery, language, pdf_response
from backend.field import bundles, cash, photos, routes, shifts, stops, sync, team, worklist
from backend.field.access import one_agent
from backend.field.guards import FieldAgent, VisiblePhoto
from backend.field.worklist import WorklistQuery
from backend.privacy import reads
from shared.schemas.common import ErrorBody
from shared.schemas.enums import AgingBucket, Role
from shared.schemas.field import (
    AccountBundle,
    AgentRoute,
    CashSummary,
    DayStopEvent,
    RouteSummary,
    ShiftRead,
    ShiftUpdate,
    StopEventCreate,
    StopEventRead,
    SyncRequest,
    SyncResponse,
    TeamPlan,
    TeamPlanRequest,
    TravelMode,
    VisitPhotoRead,
    Worklist,
)
from shared.schemas.segments import SEGMENT_NAME

router = DomainRouter(prefix="/field", tags=["field"])

# A sync batch may carry up to 500 actions, a day of location pings among them (the largest
# request body of POST /field/sync: backend.core.bodylimit).
SYNC_BODY_BYTES = 8 * 1024 * 1024


def _request_start() -> datetime:
    """When the request arrived: resolved once, outside the unit of work's retries."""
    return utcnow()


RequestStart = Annotated[datetime, Depends(_request_start)]

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
def post_team_plan(
    session: SessionDep, user: Staff, body: TeamPlanRequest, started: RequestStart
) -> object:
    """Plan a day (default tomorrow) for the whole team at once: the team's stops split among
    its agents, each inside their shift, least valuable stops left out; replaces the day's
    stored plan of those agents. A plan of the same day stored while this one was being made
    wins: this one is refused with 409 ``team_plan_conflict``."""
    return team.plan(session, user, actor_of(user), body, started)


@router.post("/stop-events", response_model=StopEventRead)
def post_stop_event(session: SessionDep, user: CurrentUser, body: StopEventCreate) -> object:
    """Skip a stop of the caller's day or move it in the day's order, with a reason; agents
    only, stops of their own day only (else 404 ``stop_not_in_day``). Idempotent per
    ``client_id``: a replay answers the stored change. The app sends the same change offline
    as a ``stop`` action of ``POST /field/sync``."""
    if user.role != Role.agent:
        raise Forbidden()
    event, _ = stops.record(session, actor_of(user), user, body.client_id, body.recorded_at, body)
    return stops.read(event)


@router.get("/stop-events", response_model=list[DayStopEvent])
def get_stop_events(
    session: SessionDep,
    user: CurrentUser,
    day: Annotated[
        Date | None, Query(alias="date", description="default: today (agents' timezone)")
    ] = None,
    agent_id: Annotated[uuid.UUID | None, Query(description="one agent of the caller's")] = None,
) -> object:
    """The skips and moves of a day, with their reasons, in the order each agent made them:
    agents see their own, supervisors their team's, admins everyone's (an agent outside the
    caller's scope is 404). One day is a bounded list: not paginated."""
    found = stops.of_day(session, user, day, agent_id)
    reads.note(
        actor_of(user), list(dict.fromkeys(e.debtor_id for e in found)), reads.FIELD_WORKLIST
    )
    return found


@router.get("/plans", response_model=TeamPlan)
def get_team_plan(
    session: SessionDep,
    user: Staff,
    day: Annotated[Date | None, Query(alias="date", description="default: tomorrow")] = None,
) -> object:
    """The stored team plan of a day for the caller's agents."""
    return team.stored(session, user, day)


@router.post(
    "/photos",
    response_model=VisitPhotoRead,
    status_code=201,
    responses={
        200: {"model": VisitPhotoRead, "description": "stored before (a replay)"},
        415: {"model": ErrorBody, "description": "photo_type: not a JPEG, PNG, WebP or HEIC"},
    },
)
def post_photo(
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    client_id: Annotated[str, Form(min_length=1, max_length=64)],
    visit_client_id: Annotated[str, Form(min_length=1, max_length=64)],
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or HEIC, up to 8 MiB")],
    taken_at: Annotated[AwareDatetime | None, Form()] = None,
) -> VisitPhotoRead:
    """A photo of one of the caller's visits (named by the visit's ``client_id``), stored
    once per ``client_id``: a replay answers 200 with the first. See ``backend.field.photos``."""
    if user.role != Role.agent:
        raise Forbidden()
    upload = photos.PhotoUpload(
        client_id, visit_client_id, file.file.read(photos.MAX_BYTES + 1), taken_at
    )
    photo, created = photos.store(session, actor_of(user), user, upload)
    if not created:
        response.status_code = 200
    return VisitPhotoRead.model_validate(photo, from_attributes=True)


@router.get(
    "/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
def get_photo(session: SessionDep, user: CurrentUser, photo: VisiblePhoto) -> Response:
    """The photo as taken, for whoever sees its account."""
    reads.note(actor_of(user), [photos.debtor_of(session, photo)], reads.FIELD_PHOTO)
    return Response(
        photo.content,
        media_type=photo.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/agents/{agent_id}/cash-summary", response_model=CashSummary)
def get_cash_summary(
    session: SessionDep,
    agent: FieldAgent,
    day: Annotated[
        Date | None, Query(alias="date", description="default: today, agent's zone")
    ] = None,
) -> object:
    """The agent's cash payments of a day, with count and total per currency, to deposit."""
    return cash.summary(session, agent, day)


@router.get("/agents/{agent_id}/cash-summary.pdf", response_class=Response, responses=PDF)
def get_cash_summary_pdf(
    session: SessionDep,
    agent: FieldAgent,
    accept: Lang,
    day: Annotated[Date | None, Query(alias="date")] = None,
    lang: LangQuery = None,
) -> Response:
    """The same summary as a PDF for the deposit."""
    found = cash.summary(session, agent, day)
    content = cash.summary_pdf(found, language(lang, accept))
    return pdf_response(content, f"cash-{found.date.isoformat()}.pdf")
