"""Every query of the outbound domain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.contact.models import ContactAttempt
from backend.outbound.models import MessageTemplate, OutboundPause, Strategy, StrategyEnrolment
from shared.schemas.contact import COUNTED_STATUSES
from shared.schemas.enums import AccountStatus, Language


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


def portfolio_paused(session: Session, portfolio_id: uuid.UUID) -> bool:
    query = select(OutboundPause.id).where(OutboundPause.scope == f"portfolio:{portfolio_id}")
    return session.execute(query).first() is not None


def strategies_in_use(session: Session, portfolio_id: uuid.UUID) -> list[Strategy]:
    """The strategy versions some account of the portfolio follows."""
    used = select(StrategyEnrolment.strategy_id).distinct()
    query = select(Strategy).where(
        Strategy.portfolio_id == portfolio_id, col(Strategy.id).in_(used)
    )
    return list(session.execute(query).scalars())


def disputed_accounts(session: Session, account_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(account_ids), 1000):
        query = select(Account.id).where(
            col(Account.id).in_(account_ids[start : start + 1000]),
            Account.status == AccountStatus.disputed,
        )
        found |= set(session.execute(query).scalars())
    return found


def last_reminders(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each account's latest reminder went out or is planned."""
    found: dict[uuid.UUID, datetime] = {}
    for start in range(0, len(account_ids), 1000):
        query = (
            select(ContactAttempt.account_id, func.max(ContactAttempt.at))
            .where(
                col(ContactAttempt.account_id).in_(account_ids[start : start + 1000]),
                ContactAttempt.source == "reminder",
                col(ContactAttempt.status).in_(COUNTED_STATUSES),
            )
            .group_by(ContactAttempt.account_id)
        )
        found.update({account_id: at for account_id, at in session.execute(query)})
    return found
