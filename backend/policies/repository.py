"""Every query of the policies domain: locks, ceilings and the changes waiting for an admin."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.core.pagination import keyset
from backend.creditors.models import Portfolio
from backend.policies.models import PolicyChange
from backend.segments.models import AccountSegment
from shared.schemas.policies import PolicyChangeStatus


def segment_of(session: Session, account_id: uuid.UUID) -> str | None:
    """The account's segment as the last evaluation stored it (None: no rule took it)."""
    return session.execute(
        select(AccountSegment.segment).where(AccountSegment.account_id == account_id)
    ).scalar_one_or_none()


def segment_sql(account: Any) -> Any:
    """SQL: the stored segment of the rows of ``account`` (the accounts table or an alias)."""
    return (
        select(AccountSegment.segment)
        .where(AccountSegment.account_id == account.c.id)
        .scalar_subquery()
    )


def lock_portfolio(session: Session, portfolio_id: uuid.UUID) -> None:
    """Hold the portfolio row until commit: policy writes and decisions on one portfolio run
    one after the other on PostgreSQL (SQLite lets one writer at a time anyway)."""
    session.execute(select(Portfolio.id).where(Portfolio.id == portfolio_id).with_for_update())


def locked_change(session: Session, change_id: uuid.UUID) -> PolicyChange:
    """The change, locked and read again (a concurrent decision committed meanwhile shows)."""
    query = (
        select(PolicyChange)
        .where(PolicyChange.id == change_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalars().one()


def pending_change(
    session: Session,
    portfolio_id: uuid.UUID,
    requested_by: uuid.UUID,
    proposed: dict[str, Any],
    base: dict[str, Any],
) -> PolicyChange | None:
    """The same supervisor's pending change of the same policy over the same one, if any."""
    query = select(PolicyChange).where(
        PolicyChange.portfolio_id == portfolio_id,
        PolicyChange.status == PolicyChangeStatus.pending,
        PolicyChange.requested_by_id == requested_by,
    )
    for change in session.execute(query).scalars():
        if change.proposed == proposed and change.base == base:
            return change
    return None


def changes_page(
    session: Session,
    *,
    requested_by: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
    portfolio_id: uuid.UUID | None,
    status: PolicyChangeStatus | None,
) -> list[PolicyChange]:
    query = select(PolicyChange)
    if requested_by is not None:
        query = query.where(PolicyChange.requested_by_id == requested_by)
    if portfolio_id is not None:
        query = query.where(PolicyChange.portfolio_id == portfolio_id)
    if status is not None:
        query = query.where(PolicyChange.status == status)
    return keyset(session, query, PolicyChange.id, after, limit, newest_first=True)
