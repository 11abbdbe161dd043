from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.debtors.models import Debtor
from shared.schemas.enums import BUCKET_RANGES, AccountStatus, AgingBucket


def bucket_condition(
    bucket: AgingBucket, today_by_portfolio: dict[uuid.UUID, date]
) -> ColumnElement[bool]:
    """Accounts in ``bucket`` today, each portfolio judged by its own timezone's date."""
    low, high = BUCKET_RANGES[bucket]
    owing = Account.balance_minor > 0
    by_day: dict[date, list[uuid.UUID]] = defaultdict(list)
    for portfolio_id, today in today_by_portfolio.items():
        by_day[today].append(portfolio_id)
    clauses = []
    for today, portfolio_ids in by_day.items():
        in_portfolios = col(Account.portfolio_id).in_(portfolio_ids)
        if bucket == AgingBucket.CURRENT:
            clauses.append(and_(in_portfolios, or_(Account.due_date >= today, ~owing)))
            continue
        due_range = [Account.due_date <= today - timedelta(days=low)]
        if high is not None:
            due_range.append(Account.due_date >= today - timedelta(days=high))
        clauses.append(and_(in_portfolios, owing, *due_range))
    return or_(*clauses) if clauses else false()


def page(
    session: Session,
    *,
    visible: ColumnElement[bool],
    after: uuid.UUID | None,
    limit: int,
    status: AccountStatus | None = None,
    bucket: ColumnElement[bool] | None = None,
    agent_id: uuid.UUID | None = None,
    unassigned: bool = False,
    portfolio_id: uuid.UUID | None = None,
    debtor_id: uuid.UUID | None = None,
    text: str | None = None,
    ref: str | None = None,
) -> list[tuple[Account, Debtor]]:
    query = (
        select(Account, Debtor)
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(visible)
        .order_by(col(Account.id))
    )
    if after:
        query = query.where(Account.id > after)
    if status:
        query = query.where(Account.status == status)
    if bucket is not None:
        query = query.where(bucket)
    if agent_id:
        query = query.where(Account.assigned_agent_id == agent_id)
    if unassigned:
        query = query.where(col(Account.assigned_agent_id).is_(None))
    if portfolio_id:
        query = query.where(Account.portfolio_id == portfolio_id)
    if debtor_id:
        query = query.where(Account.debtor_id == debtor_id)
    if text:
        query = query.where(
            or_(
                col(Debtor.search_text).contains(text, autoescape=True),
                Account.external_ref == ref,
            )
        )
    return [(a, d) for a, d in session.execute(query.limit(limit + 1)).all()]


def get_with_debtor(
    session: Session, account_id: uuid.UUID, visible: ColumnElement[bool]
) -> tuple[Account, Debtor] | None:
    query = (
        select(Account, Debtor)
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(Account.id == account_id, visible)
    )
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def by_ids(session: Session, ids: list[uuid.UUID], visible: ColumnElement[bool]) -> list[Account]:
    query = select(Account).where(col(Account.id).in_(ids), visible)
    return list(session.execute(query).scalars())


def audit_events(session: Session, account_id: uuid.UUID, limit: int) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.account_id == account_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def by_external_ref(session: Session, portfolio_id: uuid.UUID, ref: str) -> Account | None:
    query = select(Account).where(Account.portfolio_id == portfolio_id, Account.external_ref == ref)
    return session.execute(query).scalars().first()
