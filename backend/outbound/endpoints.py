from __future__ import annotations

import uuid
from datetime import date as Date
from typing import Annotated

from fastapi import Header, Query, Request

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import Admin, Bot, SessionDep, Staff, actor_of
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.errors import DomainError
from backend.core.routing import DomainRouter, run_unit
from backend.creditors.guards import KnownPortfolio
from backend.outbound import deliveries, service
from backend.outbound.channels.base import InvalidSignature as ChannelSignatureError
from backend.outbound.channels.sms_status import parse_status
from backend.outbound.guards import (
    SavedTemplate,
    StrategySlotDep,
    StrategyVersions,
    TemplateSlotDep,
)
from backend.outbound.models import MessageTemplate, OutboxMessage, Strategy
from shared.observability.metrics import counted_webhook
from shared.schemas.outbound import (
    DeliveryReports,
    DeliveryResult,
    OutboxRead,
    PauseRead,
    PlanPreviewRead,
    PreviewRead,
    PreviewRequest,
    StrategyDefinition,
    StrategyRead,
    TemplateRead,
    TemplateWrite,
)

router = DomainRouter(prefix="/portfolios/{portfolio_id}", tags=["outbound"])


@router.get("/templates", response_model=list[TemplateRead])
def list_templates(
    session: SessionDep, _: Staff, portfolio: KnownPortfolio
) -> list[MessageTemplate]:
    """The portfolio's message templates, by name and language."""
    return service.list_templates(session, portfolio)


@router.get("/templates/{name}/{language}", response_model=TemplateRead)
def get_template(_: Staff, template: SavedTemplate) -> MessageTemplate:
    return template


@router.put("/templates/{name}/{language}", response_model=TemplateRead)
def put_template(
    session: SessionDep, user: Admin, slot: TemplateSlotDep, data: TemplateWrite
) -> MessageTemplate:
    """Create or replace a template (admins). A template that would not render (syntax, an
    unknown variable) answers 422 ``invalid_template`` with the reason."""
    return service.put_template(session, actor_of(user), slot, data)


@router.post("/templates/{name}/{language}/preview", response_model=PreviewRead)
def preview_template(
    session: SessionDep, user: Staff, template: SavedTemplate, data: PreviewRequest
) -> PreviewRead:
    """The message as a debtor would read it: for an account you can see, or a sample one."""
    return service.preview(session, user, template, data.account_id)


@router.get("/strategies", response_model=list[StrategyRead])
def list_strategies(session: SessionDep, _: Staff, portfolio: KnownPortfolio) -> list[Strategy]:
    """The portfolio's strategies, each at its newest version."""
    return service.list_strategies(session, portfolio)


@router.get("/strategies/{name}", response_model=list[StrategyRead])
def strategy_versions(_: Staff, versions: StrategyVersions) -> list[Strategy]:
    """Every version of one strategy, newest first."""
    return versions


@router.put("/strategies/{name}", response_model=StrategyRead)
def put_strategy(
    session: SessionDep, user: Admin, slot: StrategySlotDep, definition: StrategyDefinition
) -> Strategy:
    """Save a strategy (admins): a new version when it changed. Steps that can never fire,
    unknown templates and loops answer 422 ``invalid_strategy`` with every reason."""
    return service.put_strategy(session, actor_of(user), slot, definition)


@router.get("/reminders/plan", response_model=PlanPreviewRead)
def plan_preview(
    session: SessionDep,
    user: Staff,
    portfolio: KnownPortfolio,
    day: Annotated[Date, Query(alias="date", description="the portfolio's local day")],
) -> PlanPreviewRead:
    """A dry run of a day's reminders: counts per step, channel and outcome, and the rule that
    held back each kind of contact. Nothing is kept."""
    return service.preview_plan(session, actor_of(user), portfolio.id, day)


@router.put("/reminders/pause", response_model=PauseRead)
def pause_portfolio(session: SessionDep, user: Staff, portfolio: KnownPortfolio) -> PauseRead:
    """Stop the portfolio's reminders (nothing is planned or sent) until resumed."""
    return service.set_pause(session, actor_of(user), portfolio=portfolio, paused=True)


@router.delete("/reminders/pause", response_model=PauseRead)
def resume_portfolio(session: SessionDep, user: Staff, portfolio: KnownPortfolio) -> PauseRead:
    return service.set_pause(session, actor_of(user), portfolio=portfolio, paused=False)


accounts = DomainRouter(prefix="/accounts/{account_id}/reminders", tags=["outbound"])


@accounts.put("/pause", response_model=PauseRead)
def pause_account(session: SessionDep, user: Staff, account: VisibleAccount) -> PauseRead:
    """Stop reminders for one account (planned ones are cancelled when their time comes)."""
    return service.set_pause(session, actor_of(user), account=account, paused=True)


@accounts.delete("/pause", response_model=PauseRead)
def resume_account(session: SessionDep, user: Staff, account: VisibleAccount) -> PauseRead:
    return service.set_pause(session, actor_of(user), account=account, paused=False)


outbox = DomainRouter(prefix="/outbound", tags=["outbound"])


@outbox.get("/outbox", response_model=list[OutboxRead])
def list_outbox(
    session: SessionDep,
    _: Admin,
    portfolio_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OutboxMessage]:
    """The development outbox (admins): what would have been sent, to whom, on channels with
    no provider configured, newest first."""
    return service.outbox(session, portfolio_id, limit)


class InvalidSignature(DomainError):
    status = 400
    code = "invalid_signature"


class ChannelNotConfigured(DomainError):
    status = 404
    code = "channel_not_configured"


@outbox.post("/webhooks/twilio", status_code=204)
@counted_webhook("twilio")
async def twilio_status(
    request: Request,
    session: SessionDep,
    signature: Annotated[str | None, Header(alias="X-Twilio-Signature")] = None,
) -> None:
    """Twilio's status callbacks for reminders sent by SMS, checked with the account's auth
    token (a forged or unsigned call answers 400 and changes nothing); a callback heard twice
    changes nothing twice."""
    settings = get_settings()
    if not settings.twilio_configured:
        raise ChannelNotConfigured()
    form = {k: str(v) for k, v in (await request.form()).items()}
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    try:
        updates = parse_status(
            url, form, signature, auth_token=settings.twilio_auth_token, at=utcnow()
        )
    except ChannelSignatureError:
        raise InvalidSignature() from None
    await run_unit(session, lambda: deliveries.record(session, updates))


@outbox.post("/deliveries", response_model=DeliveryResult)
def relayed_deliveries(session: SessionDep, _: Bot, body: DeliveryReports) -> DeliveryResult:
    """Delivery statuses a bot relays from a channel's signed webhook (WhatsApp's ``statuses``;
    role ``bot`` only). As Twilio's callbacks: a reminder moves forward only (``sent`` ->
    ``delivered`` -> ``read``), a failure moves its step on to the next channel, and a status
    heard again changes nothing. Statuses of messages that are not reminders are ignored."""
    changed = deliveries.record(session, deliveries.from_reports(body.reports))
    return DeliveryResult(changed=changed)
