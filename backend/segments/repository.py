"""Every query of segments."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ColumnElement, Uuid, case, func, literal, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES
from backend.segments.models import AccountSegment, SegmentRule
from backend.segments.rules import matches
from shared.schemas.segments import SegmentConditions


def rules_of(session: Session, portfolio_id: uuid.UUID) -> list[SegmentRule]:
    return list(
        session.execute(
            select(SegmentRule)
            .where(SegmentRule.portfolio_id == portfolio_id)
            .order_by(col(SegmentRule.position))
        ).scalars()
    )


def position_taken(
    session: Session, portfolio_id: uuid.UUID, position: int, but: uuid.UUID | None
) -> bool:
    query = select(SegmentRule.id).where(
        SegmentRule.portfolio_id == portfolio_id, SegmentRule.position == position
    )
    if but is not None:
        query = query.where(SegmentRule.id != but)
    return session.execute(query).first() is not None


def segment_of(session: Session, account_id: uuid.UUID) -> AccountSegment | None:
    return session.get(AccountSegment, account_id)


def store(
    session: Session, portfolio_id: uuid.UUID, rules: list[SegmentRule], today: date, now: datetime
) -> None:
    """Every open account of the portfolio gets the segment of the first rule that takes it
    (one INSERT ... SELECT, upserting). An account no longer open keeps the row of its last
    evaluation while open: the KPIs count a paid-off account's payments and its cure in the
    segment it was in (a reopened account is evaluated again)."""
    whens = [(matches(SegmentConditions.model_validate(r.conditions), today), r) for r in rules]
    if whens:
        segment = case(*((cond, literal(r.segment)) for cond, r in whens), else_=null())
        rule_id = case(*((cond, literal(r.id, Uuid)) for cond, r in whens), else_=null())
        version = case(*((cond, literal(r.version)) for cond, r in whens), else_=null())
    else:
        segment, rule_id, version = null(), null(), null()
    chosen = select(
        Account.id,
        literal(portfolio_id, Uuid),
        segment,
        rule_id,
        version,
        literal(now, AccountSegment.__table__.c.evaluated_at.type),
    ).where(Account.portfolio_id == portfolio_id, col(Account.status).in_(OPEN_STATUSES))
    table = AccountSegment.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).from_select(
        ["account_id", "portfolio_id", "segment", "rule_id", "rule_version", "evaluated_at"],
        chosen,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["account_id"],
        set_={
            name: statement.excluded[name]
            for name in ("segment", "rule_id", "rule_version", "evaluated_at")
        },
    )
    session.execute(statement)


def counts(session: Session, portfolio_id: uuid.UUID) -> dict[str | None, int]:
    """The open accounts of each segment."""
    rows = session.execute(
        select(AccountSegment.segment, func.count())
        .join(Account, Account.id == AccountSegment.account_id)
        .where(
            AccountSegment.portfolio_id == portfolio_id,
            col(Account.status).in_(OPEN_STATUSES),
        )
        .group_by(AccountSegment.segment)
    )
    return {segment: n for segment, n in rows}


def in_segments(segments: list[str]) -> ColumnElement[bool]:
    """SQL: the account's stored segment is one of ``segments``."""
    return col(Account.id).in_(
        select(AccountSegment.account_id).where(col(AccountSegment.segment).in_(segments))
    )


def segments_of(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not account_ids:
        return {}
    rows = session.execute(
        select(AccountSegment.account_id, AccountSegment.segment).where(
            col(AccountSegment.account_id).in_(account_ids),
            col(AccountSegment.segment).is_not(None),
        )
    )
    return {account_id: segment for account_id, segment in rows}
