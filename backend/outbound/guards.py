"""What outbound paths name, loaded in the endpoint's unit of work (``backend.core.guards``):
a portfolio's template by name and language, a strategy by name, or the slot a PUT fills
(the portfolio, the key, and what is there now). 404 when the portfolio or the object is
missing; templates and strategies are the agency's, seen by all staff. An unsubscribe link's
token is its own credential: the debtor it names, once verified."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Path
from sqlmodel import Session

from backend.core.clock import utcnow
from backend.core.errors import NotFound
from backend.core.guards import guard
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from backend.outbound import repository, unsubscribe
from backend.outbound.models import MessageTemplate, Strategy
from shared.schemas.enums import Language
from shared.schemas.outbound import TEMPLATE_NAME

Name = Annotated[str, Path(pattern=TEMPLATE_NAME, description="lower-case letters, digits, _ -")]


@dataclass(frozen=True, slots=True)
class TemplateSlot:
    portfolio: Portfolio
    name: str
    language: Language
    template: MessageTemplate | None


@dataclass(frozen=True, slots=True)
class StrategySlot:
    portfolio: Portfolio
    name: str
    versions: list[Strategy]  # newest first; empty for a new strategy


def _template(
    session: Session, portfolio_id: uuid.UUID, name: Name, language: Language
) -> MessageTemplate:
    found = repository.template(session, get_portfolio(session, portfolio_id).id, name, language)
    if found is None:
        raise NotFound()
    return found


def _template_slot(
    session: Session, portfolio_id: uuid.UUID, name: Name, language: Language
) -> TemplateSlot:
    portfolio = get_portfolio(session, portfolio_id)
    found = repository.template(session, portfolio.id, name, language)
    return TemplateSlot(portfolio, name, language, found)


def _strategy_versions(session: Session, portfolio_id: uuid.UUID, name: Name) -> list[Strategy]:
    versions = repository.strategy_versions(session, get_portfolio(session, portfolio_id).id, name)
    if not versions:
        raise NotFound()
    return versions


def _strategy_slot(session: Session, portfolio_id: uuid.UUID, name: Name) -> StrategySlot:
    portfolio = get_portfolio(session, portfolio_id)
    return StrategySlot(portfolio, name, repository.strategy_versions(session, portfolio.id, name))


def _unsubscribe_target(
    session: Session, token: Annotated[str, Path(max_length=80)]
) -> unsubscribe.Target:
    return unsubscribe.target(session, token, utcnow())


SavedTemplate = Annotated[MessageTemplate, guard(_template)]
TemplateSlotDep = Annotated[TemplateSlot, guard(_template_slot)]
StrategyVersions = Annotated[list[Strategy], guard(_strategy_versions)]
StrategySlotDep = Annotated[StrategySlot, guard(_strategy_slot)]
UnsubscribeTarget = Annotated[unsubscribe.Target, guard(_unsubscribe_target)]
