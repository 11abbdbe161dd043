from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, case, func, select, update
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.dates import add_days
from backend.core.pagination import keyset
from backend.ledger.models import LedgerEntry
from backend.plans.models import Offer, Plan, PlanInstalment
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    EntryKind,
    InstalmentStatus,
    OfferStatus,
    PlanStatus,
)

SELF_SERVICE = (ActionChannel.whatsapp, ActionChannel.telegram, ActionChannel.web)


def active_plan(session: Session, account_id: uuid.UUID) -> Plan | None:
    query = select(Plan).where(Plan.account_id == account_id, Plan.status == PlanStatus.active)
    return session.execute(query).scalars().first()


def instalments(session: Session, plan_id: uuid.UUID) -> list[PlanInstalment]:
    query = (
        select(PlanInstalment)
        .where(PlanInstalment.plan_id == plan_id)
        .order_by(col(PlanInstalment.number))
    )
    return list(session.execute(query).scalars())


def supersede_open_offers(session: Session, account_id: uuid.UUID) -> None:
    session.execute(
        update(Offer)
        .where(Offer.account_id == account_id, Offer.status == OfferStatus.open)
        .values(status=OfferStatus.superseded)
        .execution_options(synchronize_session="fetch")
    )


def self_service_openings(
    session: Session, account_id: uuid.UUID, since: datetime
) -> list[datetime]:
    """When self-service negotiations were opened (one per batch of offers)."""
    query = (
        select(func.min(Offer.created_at))
        .where(
            Offer.account_id == account_id,
            col(Offer.channel).in_(SELF_SERVICE),
            Offer.created_at >= since,
            col(Offer.batch_id).is_not(None),
        )
        .group_by(Offer.batch_id)
    )
    return [row for row in session.execute(query).scalars()]


def payments_since(
    session: Session, account_id: uuid.UUID, since: datetime
) -> list[tuple[uuid.UUID, int]]:
    """(entry id, amount received) of payments booked at or after ``since`` and not reversed."""
    reversed_ids = select(LedgerEntry.reverses_entry_id).where(
        LedgerEntry.account_id == account_id, col(LedgerEntry.reverses_entry_id).is_not(None)
    )
    query = (
        select(LedgerEntry.id, LedgerEntry.amount_minor)
        .where(
            LedgerEntry.account_id == account_id,
            LedgerEntry.kind == EntryKind.payment,
            LedgerEntry.created_at >= since,
            col(LedgerEntry.id).not_in(reversed_ids),
        )
        .order_by(col(LedgerEntry.id))
    )
    return [(entry_id, -amount) for entry_id, amount in session.execute(query)]


def plans_page(
    session: Session, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Plan]:
    query = select(Plan).where(Plan.account_id == account_id)
    return keyset(session, query, Plan.id, after, limit)


def expire_offers(session: Session, now: datetime) -> int:
    result = session.execute(
        update(Offer)
        .where(Offer.status == OfferStatus.open, Offer.expires_at < now)
        .values(status=OfferStatus.expired)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def late_page(
    session: Session, *, todays: dict[uuid.UUID, date], after: uuid.UUID | None, limit: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(plan, account) of the active plans with an instalment not fully paid more than the
    plan's grace days after its due date on its portfolio's today, in id order: the only
    plans the daily check can change (a missed instalment, by the breach rule, is one of
    them: with instalments due in number order, money short of what was owed by a due date
    leaves one of those instalments not fully paid)."""
    if not todays:
        return []
    today = case(todays, value=Account.portfolio_id)
    late = (
        select(PlanInstalment.id)
        .where(
            PlanInstalment.plan_id == Plan.id,
            PlanInstalment.paid_minor < PlanInstalment.amount_minor,
            add_days(PlanInstalment.due_date, Plan.grace_days) < today,
        )
        .exists()
    )
    query = (
        select(Plan.id, Plan.account_id)
        .join(Account, Account.id == Plan.account_id)
        .where(Plan.status == PlanStatus.active, late)
        .order_by(col(Plan.id))
        .limit(limit)
    )
    if after:
        query = query.where(Plan.id > after)
    return [(plan_id, account_id) for plan_id, account_id in session.execute(query)]


def active_rows(session: Session, ids: list[uuid.UUID]) -> list[Row[Any]]:
    """The columns the check reads of those of ``ids`` still active, in id order."""
    query = (
        select(Plan.id, Plan.account_id, Plan.grace_days, Plan.missed_to_break, Plan.total_minor)
        .where(col(Plan.id).in_(ids), Plan.status == PlanStatus.active)
        .order_by(col(Plan.id))
    )
    return list(session.execute(query))


def instalment_rows(session: Session, plan_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Row[Any]]]:
    """The instalments' columns of a page of plans, in one query, each plan's in number order."""
    query = (
        select(
            PlanInstalment.id,
            PlanInstalment.plan_id,
            PlanInstalment.due_date,
            PlanInstalment.amount_minor,
            PlanInstalment.paid_minor,
            PlanInstalment.status,
        )
        .where(col(PlanInstalment.plan_id).in_(plan_ids))
        .order_by(col(PlanInstalment.plan_id), col(PlanInstalment.number))
    )
    grouped: dict[uuid.UUID, list[Row[Any]]] = {}
    for row in session.execute(query):
        grouped.setdefault(row.plan_id, []).append(row)
    return grouped


def mark_missed(session: Session, ids: list[uuid.UUID]) -> None:
    if ids:
        session.execute(
            update(PlanInstalment)
            .where(col(PlanInstalment.id).in_(ids))
            .values(status=InstalmentStatus.missed)
            .execution_options(synchronize_session=False)
        )


def close_many(session: Session, ids: list[uuid.UUID], status: PlanStatus, at: datetime) -> None:
    """End active plans in one UPDATE (a plan no longer active is left alone)."""
    if ids:
        session.execute(
            update(Plan)
            .where(col(Plan.id).in_(ids), Plan.status == PlanStatus.active)
            .values(status=status, closed_at=at)
            .execution_options(synchronize_session=False)
        )


def reactivate(session: Session, account_ids: list[uuid.UUID]) -> None:
    """Accounts of ended plans that are still ``in_plan`` go back to active, in one UPDATE."""
    if account_ids:
        session.execute(
            update(Account)
            .where(col(Account.id).in_(account_ids), Account.status == AccountStatus.in_plan)
            .values(status=AccountStatus.active)
            .execution_options(synchronize_session=False)
        )


def count_active(session: Session) -> int:
    query = select(func.count()).select_from(Plan).where(Plan.status == PlanStatus.active)
    return int(session.execute(query).scalar_one())
