"""``/api/v1/analytics``: the dashboard's KPIs for supervisors (their team), admins (all) and
a creditor's users (their creditor's portfolios, without the agency's per-agent figures);
agents and bots are refused. Every list takes the same filters."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Response

from backend.analytics import export, service
from backend.analytics.filters import Filters
from backend.auth.deps import SessionDep, require_roles
from backend.core.clock import utcnow
from backend.core.errors import ValidationFailed
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.users.models import User
from shared.schemas.analytics import (
    AgentKpis,
    AgingPoint,
    ChannelCollected,
    ChannelStep,
    Cohort,
    CurePoint,
    KpiAccount,
    PortfolioKpis,
    PromiseFigures,
    RollCell,
    SurvivalPoint,
)
from shared.schemas.common import Page
from shared.schemas.enums import Role

router = DomainRouter(prefix="/analytics", tags=["analytics"])

DEFAULT_DAYS = 180
MAX_DAYS = 3 * 366
EXPORT_ROWS = 100_000
# Dates the KPIs can step a month or a day beyond without leaving the calendar.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)  # the accounts an export carries at most


Analyst = Annotated[
    User, require_roles(Role.admin, Role.supervisor, Role.creditor, Role.creditor_admin)
]


class InvalidPeriod(ValidationFailed):
    code = "invalid_period"

    def __init__(self) -> None:
        super().__init__("error.invalid_period", days=MAX_DAYS)


async def filters(
    user: Analyst,
    creditor_id: uuid.UUID | None = None,
    portfolio_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    segment: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Filters:
    """The caller's reach and the filters; by default the last 180 days."""
    to = date_to or utcnow().date()
    if not EARLIEST <= to <= LATEST:
        raise InvalidPeriod()
    since = date_from or to - timedelta(days=DEFAULT_DAYS)
    if since < EARLIEST or since > to or (to - since).days > MAX_DAYS:
        raise InvalidPeriod()
    return Filters.of(
        user,
        date_from=since,
        date_to=to,
        creditor_id=creditor_id,
        portfolio_id=portfolio_id,
        agent_id=agent_id,
        segment=segment,
    )


FiltersDep = Annotated[Filters, Depends(filters)]
FigureQuery = Annotated[
    str | None, Query(max_length=120, description="the figure's code (docs/analytics.md)")
]


@router.get("/portfolio", response_model=PortfolioKpis)
def portfolio_kpis(session: SessionDep, f: FiltersDep) -> object:
    """Aging over time, roll and cure rates, cohort recovery curves, promises, plan survival
    and collections by channel."""
    return service.portfolio(session, f)


@router.get("/agents", response_model=list[AgentKpis])
def agent_kpis(session: SessionDep, f: FiltersDep) -> object:
    """Each agent in reach: visits, far check-ins, contacts, promises, collected, route, stops."""
    return service.agents(session, f)


@router.get("/channels", response_model=list[ChannelStep])
def channel_kpis(session: SessionDep, f: FiltersDep) -> object:
    """Reminders by channel and strategy step: sent, delivered, read, replied, paid within 7
    days, opted out."""
    return service.channels(session, f)


@router.get("/accounts", response_model=Page[KpiAccount])
def figure_accounts(
    session: SessionDep,
    f: FiltersDep,
    paging: Annotated[PageParams, Depends(page_params)],
    figure: FigureQuery = None,
) -> object:
    """The accounts behind a figure, in pages."""
    rows = service.account_rows(session, f, figure, paging.cursor, paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


class Report(StrEnum):
    aging = "aging"
    rolls = "rolls"
    cure = "cure"
    cohorts = "cohorts"
    promises = "promises"
    plan_survival = "plan_survival"
    collected = "collected"
    agents = "agents"
    channels = "channels"
    accounts = "accounts"


_SECTIONS = {
    Report.aging: AgingPoint,
    Report.rolls: RollCell,
    Report.cure: CurePoint,
    Report.cohorts: Cohort,
    Report.promises: PromiseFigures,
    Report.plan_survival: SurvivalPoint,
    Report.collected: ChannelCollected,
}

FILE = {200: {"content": {m: {} for m in export.MEDIA_TYPES.values()}}}


@router.get("/export", response_class=Response, responses=FILE)  # type: ignore[arg-type]
def export_report(
    session: SessionDep,
    f: FiltersDep,
    report: Report,
    format: export.ExportFormat = export.ExportFormat.csv,
    figure: FigureQuery = None,
) -> Response:
    """One report as CSV or XLSX: a section of the portfolio KPIs, the agents, the channels,
    or the accounts behind ``figure`` (at most 100,000)."""
    if report == Report.accounts:
        rows: list = service.account_rows(session, f, figure, None, EXPORT_ROWS)[:EXPORT_ROWS]
        model: type = KpiAccount
    elif report == Report.agents:
        rows, model = service.agents(session, f), AgentKpis
    elif report == Report.channels:
        rows, model = service.channels(session, f), ChannelStep
    else:
        rows, model = getattr(service.portfolio(session, f), report.value), _SECTIONS[report]
    header, cells = export.table(rows, model)
    content = export.render(format, report.value, header, cells)
    name = f"{report.value}-{f.date_from}-{f.date_to}.{format.value}"
    return Response(
        content,
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
