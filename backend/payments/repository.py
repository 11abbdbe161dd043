from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from backend.payments.models import Payment, PaymentLink, ProviderEvent
from shared.schemas.enums import LinkStatus


def link_by_token(session: Session, token: str) -> PaymentLink | None:
    return session.execute(select(PaymentLink).where(PaymentLink.token == token)).scalars().first()


def open_link_for(session: Session, instalment_id: uuid.UUID, now: datetime) -> PaymentLink | None:
    """The newest still open, unexpired link for an instalment."""
    query = (
        select(PaymentLink)
        .where(
            PaymentLink.instalment_id == instalment_id,
            PaymentLink.status == LinkStatus.open,
            PaymentLink.expires_at > now,
        )
        .order_by(col(PaymentLink.created_at).desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def link_by_client_key(session: Session, key: str) -> PaymentLink | None:
    query = select(PaymentLink).where(PaymentLink.client_key == key)
    return session.execute(query).scalars().first()


def payment_by_external_id(session: Session, external_id: str) -> Payment | None:
    query = select(Payment).where(Payment.external_id == external_id)
    return session.execute(query).scalars().first()


def payment_by_client_id(session: Session, client_id: str) -> Payment | None:
    return session.execute(select(Payment).where(Payment.client_id == client_id)).scalars().first()


def payment_by_receipt(session: Session, agent_id: uuid.UUID, number: str) -> Payment | None:
    query = select(Payment).where(Payment.agent_id == agent_id, Payment.receipt_number == number)
    return session.execute(query).scalars().first()


def payment_by_code(session: Session, code: str) -> Payment | None:
    query = select(Payment).where(Payment.verification_code == code)
    return session.execute(query).scalars().first()


def payment_by_intent(session: Session, payment_intent: str) -> Payment | None:
    query = select(Payment).where(Payment.provider_reference == payment_intent)
    return session.execute(query).scalars().first()


def deferred_events(session: Session, reference: str) -> list[ProviderEvent]:
    query = (
        select(ProviderEvent)
        .where(ProviderEvent.reference == reference, ProviderEvent.outcome == "deferred")
        .order_by(col(ProviderEvent.received_at))
    )
    return list(session.execute(query).scalars())


def links_page(
    session: Session, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[PaymentLink]:
    query = (
        select(PaymentLink)
        .where(PaymentLink.account_id == account_id)
        .order_by(col(PaymentLink.id))
    )
    if after:
        query = query.where(PaymentLink.id > after)
    return list(session.execute(query.limit(limit + 1)).scalars())


def payments_page(
    session: Session, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Payment]:
    query = select(Payment).where(Payment.account_id == account_id).order_by(col(Payment.id))
    if after:
        query = query.where(Payment.id > after)
    return list(session.execute(query.limit(limit + 1)).scalars())


def targets_since(session: Session, account_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """Ledger entry id -> instalment id, for payments made for a specific instalment."""
    query = select(Payment.ledger_entry_id, Payment.instalment_id).where(
        Payment.account_id == account_id, col(Payment.instalment_id).is_not(None)
    )
    return {entry: instalment for entry, instalment in session.execute(query)}
