from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, Row, Select, and_, false, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor
from shared.schemas.enums import BUCKET_RANGES, AccountStatus, AgingBucket

T = TypeVar("T")


class _WalkedNotSearched(ColumnElement[Any]):
    """A column that SQLite must not search an index by (``+column``; unchanged elsewhere).

    A bucket's due-date range is broad (181+ is most of a portfolio): SQLite without table
    statistics would search ``ix_accounts_agent_status_due`` by it and sort everything it found
    to page in id order, where walking ``ix_accounts_agent_status_id`` in id order and
    filtering stops after ``limit + 1`` rows."""

    inherit_cache = True
    _traverse_internals: ClassVar[Any] = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_WalkedNotSearched)
def _compile_plain(element: _WalkedNotSearched, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_WalkedNotSearched, "sqlite")
def _compile_sqlite(element: _WalkedNotSearched, compiler: Any, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


def bucket_condition(
    bucket: AgingBucket, today_by_portfolio: dict[uuid.UUID, date]
) -> ColumnElement[bool]:
    """Accounts in ``bucket`` today, each portfolio judged by its own timezone's date."""
    low, high = BUCKET_RANGES[bucket]
    owing = Account.balance_minor > 0
    due = _WalkedNotSearched(col(Account.due_date))
    by_day: dict[date, list[uuid.UUID]] = defaultdict(list)
    for portfolio_id, today in today_by_portfolio.items():
        by_day[today].append(portfolio_id)
    clauses = []
    for today, portfolio_ids in by_day.items():
        in_portfolios = col(Account.portfolio_id).in_(portfolio_ids)
        if bucket == AgingBucket.CURRENT:
            clauses.append(and_(in_portfolios, or_(due >= today, ~owing)))
            continue
        due_range = [due <= today - timedelta(days=low)]
        if high is not None:
            due_range.append(due >= today - timedelta(days=high))
        clauses.append(and_(in_portfolios, owing, *due_range))
    return or_(*clauses) if clauses else false()


def _filtered(
    query: Select[Any],
    *,
    visible: ColumnElement[bool],
    after: uuid.UUID | None,
    status: AccountStatus | None = None,
    bucket: ColumnElement[bool] | None = None,
    agent_id: uuid.UUID | None = None,
    unassigned: bool = False,
    portfolio_id: uuid.UUID | None = None,
    debtor_id: uuid.UUID | None = None,
    text: str | None = None,
    ref: str | None = None,
) -> Select[Any]:
    query = query.join(Debtor, Debtor.id == Account.debtor_id).where(visible)
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
    return query.order_by(col(Account.id))


def page(session: Session, *, limit: int, **filters: Any) -> list[tuple[Account, Debtor]]:
    """Keyset page (``limit + 1`` rows) of accounts with their debtors, as ORM objects."""
    query = _filtered(select(Account, Debtor), **filters).limit(limit + 1)
    return [(a, d) for a, d in session.execute(query).all()]


# What an ``AccountRead`` needs, read as plain columns (no ORM objects to build): the account,
# its debtor's summary and its portfolio's timezone (for its days past due).
READ_COLUMNS = (
    *(c for c in Account.__table__.columns),  # type: ignore[attr-defined]
    col(Debtor.company_name).label("debtor_company_name"),
    col(Debtor.first_name).label("debtor_first_name"),
    col(Debtor.last_name).label("debtor_last_name"),
    col(Debtor.id_type).label("debtor_id_type"),
    col(Debtor.id_number).label("debtor_id_number"),
    col(Portfolio.timezone).label("portfolio_timezone"),
)


def _read_select() -> Select[Any]:
    return select(*READ_COLUMNS).join(Portfolio, Portfolio.id == Account.portfolio_id)


def read_page(session: Session, *, limit: int, **filters: Any) -> list[Row[Any]]:
    """``page`` as rows of ``READ_COLUMNS``."""
    query = _filtered(_read_select(), **filters).limit(limit + 1)
    return list(session.execute(query).all())


def read_one(
    session: Session, account_id: uuid.UUID, visible: ColumnElement[bool]
) -> Row[Any] | None:
    """One visible account as a row of ``READ_COLUMNS``: one query for account, debtor and
    portfolio."""
    query = (
        _read_select()
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(Account.id == account_id, visible)
    )
    return session.execute(query).first()


def visible_one(
    session: Session, account_id: uuid.UUID, visible: ColumnElement[bool]
) -> Account | None:
    query = select(Account).where(Account.id == account_id, visible)
    return session.execute(query).scalars().first()


def visible_child(
    session: Session, model: type[T], object_id: uuid.UUID, visible: ColumnElement[bool]
) -> T | None:
    """A row of ``model`` (a table with an ``account_id``) by id, joined to its account and
    kept when ``visible`` holds."""
    table: Any = model
    query = (
        select(model)
        .join(Account, Account.id == table.account_id)
        .where(table.id == object_id, visible)
    )
    return session.execute(query).scalars().first()


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
