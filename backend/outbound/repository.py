"""Every query of the outbound domain."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session, col

from backend.outbound.models import MessageTemplate
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
