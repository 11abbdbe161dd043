"""Queries of the documents domain: certificates and what they are judged by."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.core.sums import exact_sum, joined
from backend.disputes.models import Dispute
from backend.documents.models import Certificate
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment
from backend.plans.models import Plan
from shared.schemas.enums import DisputeStatus


def debits(session: Session, account_id: uuid.UUID) -> int:
    """The sum of the account's entries that raised its balance (it only ever grows)."""
    high, low = exact_sum(LedgerEntry.amount_minor)
    query = select(high, low).where(
        LedgerEntry.account_id == account_id, LedgerEntry.amount_minor > 0
    )
    return joined(*session.execute(query).one())


def last_credit_day(session: Session, account_id: uuid.UUID) -> date | None:
    """The effective day of the latest entry that lowered the balance (the payoff's day)."""
    query = select(func.max(LedgerEntry.effective_date)).where(
        LedgerEntry.account_id == account_id, LedgerEntry.amount_minor < 0
    )
    return session.execute(query).scalar_one()


def upheld_dispute(session: Session, account_id: uuid.UUID) -> Dispute | None:
    query = (
        select(Dispute)
        .where(Dispute.account_id == account_id, Dispute.status == DisputeStatus.upheld)
        .order_by(col(Dispute.resolved_at).desc())
    )
    return session.execute(query).scalars().first()


def certificate_for(session: Session, account_id: uuid.UUID, debits: int) -> Certificate | None:
    query = select(Certificate).where(
        Certificate.account_id == account_id, Certificate.debits_minor == debits
    )
    return session.execute(query).scalars().first()


def latest_certificate(session: Session, account_id: uuid.UUID) -> Certificate | None:
    query = (
        select(Certificate)
        .where(Certificate.account_id == account_id)
        .order_by(col(Certificate.issued_at).desc(), col(Certificate.id).desc())
    )
    return session.execute(query).scalars().first()


def certificate_by_code(session: Session, code: str) -> Certificate | None:
    return session.execute(select(Certificate).where(Certificate.code == code)).scalars().first()


def schedule_plan(session: Session, account_id: uuid.UUID) -> Plan | None:
    """The plan whose schedule a debtor asks for: the active one, else the latest."""
    query = (
        select(Plan)
        .where(Plan.account_id == account_id)
        .order_by((Plan.status == "active").desc(), col(Plan.created_at).desc())
    )
    return session.execute(query).scalars().first()


def recent_payments(session: Session, account_id: uuid.UUID, limit: int) -> list[Payment]:
    query = (
        select(Payment)
        .where(Payment.account_id == account_id)
        .order_by(col(Payment.paid_on).desc(), col(Payment.id).desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())
