from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.ledger.models import LedgerEntry
from backend.plans.models import Offer, Plan, PlanInstalment
from shared.schemas.enums import ActionChannel, EntryKind, OfferStatus, PlanStatus

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


def active_plans_page(session: Session, after: uuid.UUID | None, limit: int) -> list[Plan]:
    query = select(Plan).where(Plan.status == PlanStatus.active).order_by(col(Plan.id)).limit(limit)
    if after:
        query = query.where(Plan.id > after)
    return list(session.execute(query).scalars())


def plans_page(
    session: Session, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Plan]:
    query = select(Plan).where(Plan.account_id == account_id).order_by(col(Plan.id))
    if after:
        query = query.where(Plan.id > after)
    return list(session.execute(query.limit(limit + 1)).scalars())


def expire_offers(session: Session, now: datetime) -> int:
    result = session.execute(
        update(Offer)
        .where(Offer.status == OfferStatus.open, Offer.expires_at < now)
        .values(status=OfferStatus.expired)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def accounts_of(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Account]:
    """The accounts of a page of plans, in one query."""
    rows = session.execute(select(Account).where(col(Account.id).in_(ids))).scalars()
    return {a.id: a for a in rows}


def instalments_of(
    session: Session, plan_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PlanInstalment]]:
    """The instalments of a page of plans, in one query, each plan's in number order."""
    query = (
        select(PlanInstalment)
        .where(col(PlanInstalment.plan_id).in_(plan_ids))
        .order_by(col(PlanInstalment.plan_id), col(PlanInstalment.number))
    )
    grouped: dict[uuid.UUID, list[PlanInstalment]] = {}
    for row in session.execute(query).scalars():
        grouped.setdefault(row.plan_id, []).append(row)
    return grouped
