"""Every query of the outbound domain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.contact.models import ContactAttempt
from backend.conversations.models import InboxMessage
from backend.debtors.models import DebtorPhone
from backend.outbound.models import (
    MessageTemplate,
    OutboundPause,
    OutboxMessage,
    Strategy,
    StrategyEnrolment,
)
from shared.schemas.contact import COUNTED_STATUSES, AttemptStatus
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


def paused(session: Session, portfolio_id: uuid.UUID, account_id: uuid.UUID) -> bool:
    scopes = [f"portfolio:{portfolio_id}", f"account:{account_id}"]
    query = select(OutboundPause.id).where(col(OutboundPause.scope).in_(scopes))
    return session.execute(query).first() is not None


def template_for(
    session: Session, portfolio_id: uuid.UUID, name: str, language: Language
) -> MessageTemplate | None:
    """The template in the debtor's language, else in Spanish (the default)."""
    return template(session, portfolio_id, name, language) or template(
        session, portfolio_id, name, Language.es
    )


def first_phone(session: Session, debtor_id: uuid.UUID) -> str | None:
    query = (
        select(DebtorPhone.e164)
        .where(DebtorPhone.debtor_id == debtor_id)
        .order_by(col(DebtorPhone.position), col(DebtorPhone.id))
        .limit(1)
    )
    return session.execute(query).scalar_one_or_none()


def claim_due(
    session: Session, now: datetime, lease_until: datetime, limit: int
) -> list[uuid.UUID]:
    """Up to ``limit`` reminders due by ``now`` (or whose sender's lease ran out), marked as
    being sent until ``lease_until``. Workers skip each other's rows on PostgreSQL; SQLite's
    write transactions are serial."""
    due = (
        select(ContactAttempt.id)
        .where(
            ContactAttempt.source == "reminder",
            ContactAttempt.at <= now,
            or_(
                ContactAttempt.status == AttemptStatus.planned,
                and_(
                    ContactAttempt.status == AttemptStatus.sending,
                    col(ContactAttempt.until) < now,
                ),
            ),
        )
        .order_by(col(ContactAttempt.at), col(ContactAttempt.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.execute(due).scalars())
    if ids:
        session.execute(
            update(ContactAttempt)
            .where(col(ContactAttempt.id).in_(ids))
            .values(status=AttemptStatus.sending, until=lease_until)
        )
    return ids


def hand_over(session: Session, attempt_id: uuid.UUID, lease: datetime, now: datetime) -> bool:
    """Mark a claimed reminder as handed to its provider, if it is still this claim's (sending,
    under the lease ``lease`` and not handed over yet): one conditional UPDATE, so of two
    workers that both think it theirs (a lease that ran out mid-send) one at most sends it."""
    handed = session.execute(
        update(ContactAttempt)
        .where(
            ContactAttempt.id == attempt_id,
            ContactAttempt.status == AttemptStatus.sending,
            ContactAttempt.until == lease,
            col(ContactAttempt.handed_at).is_(None),
        )
        .values(handed_at=now)
    )
    return handed.rowcount == 1


def outbox(session: Session, portfolio_id: uuid.UUID | None, limit: int) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(col(OutboxMessage.created_at).desc()).limit(limit)
    if portfolio_id is not None:
        query = query.where(OutboxMessage.portfolio_id == portfolio_id)
    return list(session.execute(query).scalars())


def pause(session: Session, scope: str) -> OutboundPause | None:
    query = select(OutboundPause).where(OutboundPause.scope == scope)
    return session.execute(query).scalar_one_or_none()


def attempt_for_delivery(
    session: Session, provider_ref: str, key: str | None
) -> ContactAttempt | None:
    """The reminder a provider reports on (locked on PostgreSQL: reports can come at once)."""
    for condition in (
        ContactAttempt.provider_ref == provider_ref,
        ContactAttempt.key == key if key else None,
    ):
        if condition is None:
            continue
        query = select(ContactAttempt).where(condition, ContactAttempt.source == "reminder")
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        found = session.execute(query.limit(1)).scalar_one_or_none()
        if found is not None:
            return found
    return None


def last_inbound(session: Session, channel: str, user_id: str) -> datetime | None:
    """When the person last wrote on ``channel`` (from the bots' inbox)."""
    query = select(func.max(InboxMessage.received_at)).where(
        InboxMessage.channel == channel, InboxMessage.user_id == user_id
    )
    return session.execute(query).scalar_one_or_none()
