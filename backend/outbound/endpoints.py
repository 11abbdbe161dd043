from __future__ import annotations

import uuid
from datetime import date as Date
from typing import Annotated

from fastapi import Path, Query

from backend.auth.deps import Admin, SessionDep, Staff, actor_of
from backend.core.routing import DomainRouter
from backend.outbound import service
from backend.outbound.models import MessageTemplate, OutboxMessage, Strategy
from shared.schemas.enums import Language
from shared.schemas.outbound import (
    TEMPLATE_NAME,
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
Name = Annotated[str, Path(pattern=TEMPLATE_NAME, description="lower-case letters, digits, _ -")]


@router.get("/templates", response_model=list[TemplateRead])
def list_templates(session: SessionDep, _: Staff, portfolio_id: uuid.UUID) -> list[MessageTemplate]:
    """The portfolio's message templates, by name and language."""
    return service.list_templates(session, portfolio_id)


@router.get("/templates/{name}/{language}", response_model=TemplateRead)
def get_template(
    session: SessionDep, _: Staff, portfolio_id: uuid.UUID, name: Name, language: Language
) -> MessageTemplate:
    return service.get_template(session, portfolio_id, name, language)


@router.put("/templates/{name}/{language}", response_model=TemplateRead)
def put_template(
    session: SessionDep,
    user: Admin,
    portfolio_id: uuid.UUID,
    name: Name,
    language: Language,
    data: TemplateWrite,
) -> MessageTemplate:
    """Create or replace a template (admins). A template that would not render (syntax, an
    unknown variable) answers 422 ``invalid_template`` with the reason."""
    return service.put_template(session, actor_of(user), portfolio_id, name, language, data)


@router.post("/templates/{name}/{language}/preview", response_model=PreviewRead)
def preview_template(
    session: SessionDep,
    user: Staff,
    portfolio_id: uuid.UUID,
    name: Name,
    language: Language,
    data: PreviewRequest,
) -> PreviewRead:
    """The message as a debtor would read it: for an account you can see, or a sample one."""
    return service.preview(session, user, portfolio_id, name, language, data.account_id)


@router.get("/strategies", response_model=list[StrategyRead])
def list_strategies(session: SessionDep, _: Staff, portfolio_id: uuid.UUID) -> list[Strategy]:
    """The portfolio's strategies, each at its newest version."""
    return service.list_strategies(session, portfolio_id)


@router.get("/strategies/{name}", response_model=list[StrategyRead])
def strategy_versions(
    session: SessionDep, _: Staff, portfolio_id: uuid.UUID, name: Name
) -> list[Strategy]:
    """Every version of one strategy, newest first."""
    return service.strategy_versions(session, portfolio_id, name)


@router.put("/strategies/{name}", response_model=StrategyRead)
def put_strategy(
    session: SessionDep,
    user: Admin,
    portfolio_id: uuid.UUID,
    name: Name,
    definition: StrategyDefinition,
) -> Strategy:
    """Save a strategy (admins): a new version when it changed. Steps that can never fire,
    unknown templates and loops answer 422 ``invalid_strategy`` with every reason."""
    return service.put_strategy(session, actor_of(user), portfolio_id, name, definition)


@router.get("/reminders/plan", response_model=PlanPreviewRead)
def plan_preview(
    session: SessionDep,
    user: Staff,
    portfolio_id: uuid.UUID,
    day: Annotated[Date, Query(alias="date", description="the portfolio's local day")],
) -> PlanPreviewRead:
    """A dry run of a day's reminders: counts per step, channel and outcome, and the rule that
    held back each kind of contact. Nothing is kept."""
    return service.preview_plan(session, actor_of(user), portfolio_id, day)


@router.put("/reminders/pause", response_model=PauseRead)
def pause_portfolio(session: SessionDep, user: Staff, portfolio_id: uuid.UUID) -> PauseRead:
    """Stop the portfolio's reminders (nothing is planned or sent) until resumed."""
    return service.set_pause(session, actor_of(user), user, portfolio_id=portfolio_id, paused=True)


@router.delete("/reminders/pause", response_model=PauseRead)
def resume_portfolio(session: SessionDep, user: Staff, portfolio_id: uuid.UUID) -> PauseRead:
    return service.set_pause(session, actor_of(user), user, portfolio_id=portfolio_id, paused=False)


accounts = DomainRouter(prefix="/accounts/{account_id}/reminders", tags=["outbound"])


@accounts.put("/pause", response_model=PauseRead)
def pause_account(session: SessionDep, user: Staff, account_id: uuid.UUID) -> PauseRead:
    """Stop reminders for one account (planned ones are cancelled when their time comes)."""
    return service.set_pause(session, actor_of(user), user, account_id=account_id, paused=True)


@accounts.delete("/pause", response_model=PauseRead)
def resume_account(session: SessionDep, user: Staff, account_id: uuid.UUID) -> PauseRead:
    return service.set_pause(session, actor_of(user), user, account_id=account_id, paused=False)


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
