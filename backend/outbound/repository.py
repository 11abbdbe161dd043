"""Every query of the outbound domain."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.outbound.models import MessageTemplate, Strategy
from shared.schemas.enums import Language


def templates_of(session: Session, portfolio_id: uuid.UUID) -> list[MessageTemplate]:
    query = (
        select(MessageTemplate)
        .where(MessageTemplate.portfolio_id == portfolio_id)
        .order_by(col(MessageTemplate.name), col(MessageTemplate.language))
    )
    return list(session.execute(query).scalars())


def template(
    session: Session, portfolio_id: uuid.UUID, name: str, language: Language
) -> MessageTemplate | None:
    query = select(MessageTemplate).where(
        MessageTemplate.portfolio_id == portfolio_id,
        MessageTemplate.name == name,
        MessageTemplate.language == language,
    )
    return session.execute(query).scalar_one_or_none()


def template_names(session: Session, portfolio_id: uuid.UUID) -> set[str]:
    query = select(MessageTemplate.name).where(MessageTemplate.portfolio_id == portfolio_id)
    return set(session.execute(query).scalars())


def strategy_versions(session: Session, portfolio_id: uuid.UUID, name: str) -> list[Strategy]:
    """Newest first."""
    query = (
        select(Strategy)
        .where(Strategy.portfolio_id == portfolio_id, Strategy.name == name)
        .order_by(col(Strategy.version).desc())
    )
    return list(session.execute(query).scalars())


def latest_strategies(session: Session, portfolio_id: uuid.UUID) -> list[Strategy]:
    """Each strategy's newest version, by name."""
    newest = (
        select(Strategy.name, func.max(Strategy.version).label("version"))
        .where(Strategy.portfolio_id == portfolio_id)
        .group_by(Strategy.name)
        .subquery()
    )
    query = (
        select(Strategy)
        .join(newest, (newest.c.name == Strategy.name) & (newest.c.version == Strategy.version))
        .where(Strategy.portfolio_id == portfolio_id)
        .order_by(col(Strategy.name))
    )
    return list(session.execute(query).scalars())
