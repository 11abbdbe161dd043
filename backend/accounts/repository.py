from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    ColumnElement,
    Enum,
    Row,
    Select,
    Uuid,
    and_,
    bindparam,
    false,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.accounts.visibility import Reach, Visibility, visibility_condition
from backend.audit.models import AuditEvent
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor
from backend.debtors.search import matches
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


@dataclass(frozen=True, slots=True)
class BucketFilter:
    """Accounts in ``bucket`` today, each portfolio judged by its own timezone's date:
    ``days`` pairs each local date with the portfolios on it."""

    bucket: AgingBucket
    days: tuple[tuple[date, tuple[uuid.UUID, ...]], ...]

    @classmethod
    def of(cls, bucket: AgingBucket, today_by_portfolio: dict[uuid.UUID, date]) -> BucketFilter:
        by_day: dict[date, list[uuid.UUID]] = defaultdict(list)
        for portfolio_id, today in today_by_portfolio.items():
            by_day[today].append(portfolio_id)
        return cls(bucket, tuple((day, tuple(ids)) for day, ids in by_day.items()))

    def params(self) -> dict[str, Any]:
        low, high = BUCKET_RANGES[self.bucket]
        values: dict[str, Any] = {}
        for i, (today, portfolio_ids) in enumerate(self.days):
            values[f"bucket_portfolios_{i}"] = portfolio_ids
            values[f"bucket_today_{i}"] = today
            values[f"bucket_due_to_{i}"] = today - timedelta(days=low)
            if high is not None:
                values[f"bucket_due_from_{i}"] = today - timedelta(days=high)
        return values


def _bucket_condition(bucket: AgingBucket, days: int) -> ColumnElement[bool]:
    """``BucketFilter``'s condition for ``days`` local dates, its values bound by name."""
    high = BUCKET_RANGES[bucket][1]
    owing = Account.balance_minor > 0
    due = _WalkedNotSearched(col(Account.due_date))
    clauses = []
    for i in range(days):
        in_portfolios = col(Account.portfolio_id).in_(
            bindparam(f"bucket_portfolios_{i}", expanding=True)
        )
        if bucket == AgingBucket.CURRENT:
            today = bindparam(f"bucket_today_{i}")
            clauses.append(and_(in_portfolios, or_(due >= today, ~owing)))
            continue
        due_range = [due <= bindparam(f"bucket_due_to_{i}")]
        if high is not None:
            due_range.append(due >= bindparam(f"bucket_due_from_{i}"))
        clauses.append(and_(in_portfolios, owing, *due_range))
    return or_(*clauses) if clauses else false()


@dataclass(frozen=True, slots=True)
class ListFilters:
    """The list's optional filters (None: not applied)."""

    status: AccountStatus | None = None
    bucket: BucketFilter | None = None
    agent_id: uuid.UUID | None = None
    unassigned: bool = False
    portfolio_id: uuid.UUID | None = None
    debtor_id: uuid.UUID | None = None
    text: str | None = None  # folded search text (names)
    ref: str | None = None  # compared with external_ref when ``text`` is given
    keys: tuple[str, ...] = ()  # blind indexes of documents and phones, when ``text`` is given

    def shape(self) -> tuple[tuple[str, ...], tuple[AgingBucket, int] | None]:
        names = tuple(
            name
            for name, on in (
                ("status", self.status is not None),
                ("agent_id", self.agent_id is not None),
                ("unassigned", self.unassigned),
                ("portfolio_id", self.portfolio_id is not None),
                ("debtor_id", self.debtor_id is not None),
                ("text", self.text is not None),
            )
            if on
        )
        bucket = (self.bucket.bucket, len(self.bucket.days)) if self.bucket else None
        return names, bucket

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "status": self.status,
            "agent_id": self.agent_id,
            "portfolio_id": self.portfolio_id,
            "debtor_id": self.debtor_id,
            "ref": self.ref,
        }
        if self.text is not None:
            escaped = self.text.replace("/", "//").replace("%", "/%").replace("_", "/_")
            values["text"] = f"%{escaped}%"
            values["keys"] = list(self.keys)
        if self.bucket:
            values.update(self.bucket.params())
        return values


_FILTERS: dict[str, Any] = {
    "status": lambda: Account.status == bindparam("status"),
    "agent_id": lambda: Account.assigned_agent_id == bindparam("agent_id"),
    "unassigned": lambda: col(Account.assigned_agent_id).is_(None),
    "portfolio_id": lambda: Account.portfolio_id == bindparam("portfolio_id"),
    "debtor_id": lambda: Account.debtor_id == bindparam("debtor_id"),
    # contains(text, autoescape=True), with the text escaped in ListFilters.params
    "text": lambda: or_(
        col(Debtor.search_text).like(bindparam("text"), escape="/"),
        Account.external_ref == bindparam("ref"),
        matches(bindparam("keys", expanding=True)),
    ),
}


class _DriverValue(TypeDecorator[Any]):
    """A column read as the driver returns it (a UUID: 32 hex digits on SQLite, a ``UUID`` from
    psycopg; an enum: its string): the response model parses it once, instead of SQLAlchemy
    first building a ``uuid.UUID`` or an enum member in Python for every such value of every
    row."""

    impl = NullType
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> None:
        return None


def _driver_value(column: Any, label: str) -> Any:
    if isinstance(column.type, Uuid | Enum):
        return type_coerce(column, _DriverValue()).label(label)
    return column.label(label)


# What an ``AccountRead`` needs, read as plain columns (no ORM objects to build), in this order:
# the account's columns (in table order), its debtor's summary and its portfolio's timezone (for
# its days past due). Ids come as the driver gives them (see ``_DriverValue``).
READ_COLUMNS = (
    *(_driver_value(c, c.key) for c in Account.__table__.columns),  # type: ignore[attr-defined]
    col(Debtor.company_name).label("debtor_company_name"),
    col(Debtor.first_name).label("debtor_first_name"),
    col(Debtor.last_name).label("debtor_last_name"),
    _driver_value(col(Debtor.id_type), "debtor_id_type"),
    col(Debtor.id_number).label("debtor_id_number"),
    col(Portfolio.timezone).label("portfolio_timezone"),
)


def _read_select(reach: Reach) -> Select[Any]:
    return (
        select(*READ_COLUMNS)
        .join(Portfolio, Portfolio.id == Account.portfolio_id)
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(visibility_condition(reach))
    )


# The read statements are built once per shape (which filters, whose visibility) and run with
# their values bound: building and hashing a statement costs more than running it.
@lru_cache(maxsize=256)
def _page_statement(
    reach: Reach, filters: tuple[str, ...], bucket: tuple[AgingBucket, int] | None, after: bool
) -> Select[Any]:
    query = _read_select(reach)
    if after:
        query = query.where(Account.id > bindparam("after"))
    for name in filters:
        query = query.where(_FILTERS[name]())
    if bucket is not None:
        query = query.where(_bucket_condition(*bucket))
    return query.order_by(col(Account.id)).limit(bindparam("limit"))


@lru_cache(maxsize=8)
def _one_statement(reach: Reach) -> Select[Any]:
    return _read_select(reach).where(Account.id == bindparam("account_id"))


def read_page(
    session: Session,
    *,
    visible: Visibility,
    after: uuid.UUID | None,
    limit: int,
    filters: ListFilters,
) -> list[Row[Any]]:
    """A keyset page (``limit + 1`` rows, in id order) of visible accounts as rows of
    ``READ_COLUMNS``, with their debtors' summaries: one query, run on the session's connection
    (plain rows, no ORM loading)."""
    names, bucket = filters.shape()
    query = _page_statement(visible.reach, names, bucket, after is not None)
    params = filters.params()
    params.update(viewer_id=visible.viewer_id, after=after, limit=limit + 1)
    return list(session.connection().execute(query, params).all())


def read_one(session: Session, account_id: uuid.UUID, visible: Visibility) -> Row[Any] | None:
    """One visible account as a row of ``READ_COLUMNS``: one query for account, debtor and
    portfolio."""
    params = {"account_id": account_id, "viewer_id": visible.viewer_id}
    return session.connection().execute(_one_statement(visible.reach), params).first()


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
