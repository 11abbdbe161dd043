from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Uuid,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES, overdue_days_sql
from backend.core.dates import add_days
from backend.core.pagination import keyset
from backend.core.sqlbuild import among, json_object, local_date, uuid_text
from backend.core.sums import exact_sum, joined
from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.promises.models import Promise
from backend.tasks.service import follow_up_id
from shared.schemas.enums import EntryKind, PromiseStatus, TaskKind


def open_for_account(session: Session, account_id: uuid.UUID) -> Promise | None:
    query = select(Promise).where(
        Promise.account_id == account_id, Promise.status == PromiseStatus.open
    )
    return session.execute(query).scalars().first()


def by_client_id(session: Session, client_id: str) -> Promise | None:
    return session.execute(select(Promise).where(Promise.client_id == client_id)).scalars().first()


def page(
    session: Session, *, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Promise]:
    query = select(Promise).where(Promise.account_id == account_id)
    return keyset(session, query, Promise.id, after, limit)


def kpi_rows(
    session: Session,
    portfolio_id: uuid.UUID | None,
    date_from: date | None,
    date_to: date | None,
) -> list[tuple[str, PromiseStatus, int, int, int]]:
    """(currency, status, count, amount promised, amount received) grouped."""
    query = (
        select(
            Promise.currency,
            Promise.status,
            func.count(),
            *exact_sum(Promise.amount_minor),
            *exact_sum(Promise.paid_minor),
        )
        .join(Account, Account.id == Promise.account_id)
        .group_by(Promise.currency, Promise.status)
    )
    if portfolio_id:
        query = query.where(Account.portfolio_id == portfolio_id)
    if date_from:
        query = query.where(Promise.created_at >= datetime.combine(date_from, time(), UTC))
    if date_to:
        query = query.where(
            Promise.created_at < datetime.combine(date_to + timedelta(days=1), time(), UTC)
        )
    return [
        (c, PromiseStatus(s), int(n), joined(a_high, a_low), joined(p_high, p_low))
        for c, s, n, a_high, a_low, p_high, p_low in session.execute(query)
    ]


#: The daily check's working rows (``backend.core.bulk.scratch``): a page's promises that can
#: be resolved, their accounts locked, then each one's verdict and follow-up.
VERDICTS = Table(
    "promise_verdicts",
    MetaData(),
    Column("promise_id", Uuid, primary_key=True),
    Column("account_id", Uuid, nullable=False),
    Column("status", String(20)),  # NULL: still open
    Column("paid_minor", BigInteger),  # received from the day made to the deadline
    Column("amount_minor", BigInteger),
    Column("today", Date),
    Column("deadline", Date),  # the due date plus the account's grace days
    Column("account_status", String(20)),
    Column("assignee_id", Uuid),
    Column("days_past_due", Integer),
    Column("dedupe_key", String(120)),
    Column("task_id", Uuid),  # the follow-up, if the promise needs one
    prefixes=["TEMPORARY"],
)


def nth_open_after(session: Session, after: uuid.UUID | None, n: int) -> uuid.UUID | None:
    """The id of the ``n``-th open promise after ``after`` (id order), None if there are fewer:
    a page's upper bound."""
    query = select(Promise.id).where(Promise.status == PromiseStatus.open)
    if after:
        query = query.where(Promise.id > after)
    query = query.order_by(col(Promise.id)).offset(n - 1).limit(1)
    return session.execute(query).scalar_one_or_none()


def take_judgeable(
    session: Session,
    *,
    after: uuid.UUID | None,
    upto: uuid.UUID | None,
    cutoffs: dict[uuid.UUID, date],
    otherwise: date,
) -> None:
    """Fill ``VERDICTS`` with the open promises in ``(after, upto]`` the check may resolve: due
    before their portfolio's cutoff (its today minus the smallest grace its policy gives;
    ``otherwise`` for portfolios not listed; at least one is), or on an account that received
    a payment on or after the promise's day (two days before its UTC creation day covers
    every timezone)."""
    portfolio = select(Account.portfolio_id).where(Account.id == Promise.account_id)
    cutoff = case(cutoffs, value=portfolio.scalar_subquery(), else_=literal(otherwise, Date()))
    paid_since = (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.account_id == Promise.account_id,
            LedgerEntry.kind == EntryKind.payment,
            LedgerEntry.effective_date >= add_days(Promise.created_at, -2),
        )
        .exists()
    )
    query = select(Promise.id, Promise.account_id).where(
        Promise.status == PromiseStatus.open, or_(Promise.due_date < cutoff, paid_since)
    )
    if after:
        query = query.where(Promise.id > after)
    if upto:
        query = query.where(Promise.id <= upto)
    session.execute(insert(VERDICTS).from_select(["promise_id", "account_id"], query))


def judgeable_accounts() -> Select[Any]:
    """The accounts of the promises in ``VERDICTS`` (to lock)."""
    return select(VERDICTS.c.account_id)


def read_facts(session: Session, *, today: Any, grace: Any) -> None:
    """What judging reads, under the accounts' locks, into ``VERDICTS`` for the promises still
    open: the amount, the day, the deadline (due date plus ``grace``), the money received from
    the (local) day the promise was made to that deadline, and the account's status, agent
    and days past due. ``today`` and ``grace`` are SQL of the account row."""
    v = VERDICTS
    account = Account.__table__
    deadline = add_days(Promise.due_date, grace)
    made = local_date(Promise.created_at, Portfolio.timezone)
    facts = (
        select(
            v.c.promise_id,
            Promise.amount_minor,
            today.label("today"),
            deadline.label("deadline"),
            received_between(Promise.account_id, made, deadline).label("paid"),
            account.c.status.label("account_status"),
            account.c.assigned_agent_id.label("assignee_id"),
            overdue_days_sql(account.c.balance_minor, account.c.due_date, today).label("late"),
        )
        .join_from(v, Promise, Promise.id == v.c.promise_id)
        .join(account, account.c.id == Promise.account_id)
        .join(Portfolio, Portfolio.id == account.c.portfolio_id)
        .where(among(Promise.id, select(v.c.promise_id)), Promise.status == PromiseStatus.open)
        .subquery("facts")
    )
    session.execute(
        update(v)
        .where(v.c.promise_id == facts.c.promise_id)
        .values(
            amount_minor=facts.c.amount_minor,
            today=facts.c.today,
            deadline=facts.c.deadline,
            paid_minor=facts.c.paid,
            account_status=facts.c.account_status,
            assignee_id=facts.c.assignee_id,
            days_past_due=facts.c.late,
        )
    )


def judge(session: Session) -> None:
    """Judge the promises ``read_facts`` read, as the rule reads: kept when the money received
    covers it; else still open until the day passes its deadline; then partially kept if some
    came, broken if none did. (No deadline: no longer open, or a portfolio created since the
    page began; left alone.)"""
    v = VERDICTS
    status = case(
        (v.c.paid_minor >= v.c.amount_minor, PromiseStatus.kept.value),
        (v.c.today <= v.c.deadline, None),
        (v.c.paid_minor > 0, PromiseStatus.partially_kept.value),
        else_=PromiseStatus.broken.value,
    )
    session.execute(update(v).where(v.c.deadline.is_not(None)).values(status=status))


def received_between(account_id: Any, first: Any, last: Any) -> Any:
    """SQL: money received on the account with an effective day in ``[first, last]``
    (payments net of their reversals, positive for money in)."""
    entry = LedgerEntry.__table__
    reversed_entry = entry.alias("reversed_entry")
    return (
        select(func.coalesce(func.sum(-entry.c.amount_minor), 0))
        .select_from(
            entry.outerjoin(reversed_entry, reversed_entry.c.id == entry.c.reverses_entry_id)
        )
        .where(
            entry.c.account_id == account_id,
            entry.c.effective_date >= first,
            entry.c.effective_date <= last,
            or_(entry.c.kind == EntryKind.payment, reversed_entry.c.kind == EntryKind.payment),
        )
        .scalar_subquery()
    )


def name_follow_ups(session: Session) -> None:
    """Give each promise partially kept or broken on an account still collected its
    follow-up: the dedupe key ``promise:<id>:<status>`` and the task's id."""
    v = VERDICTS
    key = literal("promise:") + uuid_text(v.c.promise_id) + literal(":") + v.c.status
    session.execute(
        update(v)
        .where(
            v.c.status.in_([PromiseStatus.partially_kept.value, PromiseStatus.broken.value]),
            v.c.account_status.in_([s.value for s in OPEN_STATUSES]),
        )
        .values(dedupe_key=key, task_id=follow_up_id(key))
    )


def resolve_judged(session: Session, at: datetime) -> None:
    """Resolve the judged promises (still open: a concurrent check left them alone), with the
    money received (never below zero), in one UPDATE."""
    v = VERDICTS
    table = Promise.__table__
    session.execute(
        update(table)
        .where(
            table.c.id == v.c.promise_id,
            among(table.c.id, select(v.c.promise_id).where(v.c.status.is_not(None))),
            v.c.status.is_not(None),
            table.c.status == PromiseStatus.open.value,
        )
        .values(
            status=v.c.status,
            paid_minor=case((v.c.paid_minor > 0, v.c.paid_minor), else_=0),
            resolved_at=literal(at, table.c.resolved_at.type),
        )
    )


def judged_events() -> Select[Any]:
    """The audit events of the resolved promises (``audit.record_selected``)."""
    v = VERDICTS
    return select(
        (literal("promise.") + v.c.status).label("action"),
        literal("promise").label("entity_type"),
        uuid_text(v.c.promise_id).label("entity_id"),
        v.c.account_id.label("account_id"),
        json_object("status", PromiseStatus.open.value).label("before"),
        json_object("status", v.c.status, "paid_minor", v.c.paid_minor).label("after"),
    ).where(v.c.status.is_not(None))


def follow_ups() -> Select[Any]:
    """The follow-up tasks of the judged promises (``tasks.open_selected``)."""
    v = VERDICTS
    payload = json_object(
        *("promise_id", uuid_text(v.c.promise_id), "amount_minor", v.c.amount_minor),
        *("paid_minor", v.c.paid_minor, "days_past_due", v.c.days_past_due),
    )
    return select(
        v.c.task_id.label("id"),
        v.c.account_id,
        v.c.assignee_id,
        literal(TaskKind.follow_up_broken_promise.value).label("kind"),
        v.c.today.label("due_date"),
        payload.label("payload"),
        v.c.dedupe_key,
    ).where(v.c.task_id.is_not(None))


def outcomes(session: Session) -> list[tuple[str, uuid.UUID | None]]:
    """(status, follow-up task) of each promise the page resolved, in promise order."""
    v = VERDICTS
    query = select(v.c.status, v.c.task_id).where(v.c.status.is_not(None)).order_by(v.c.promise_id)
    return [(status, task_id) for status, task_id in session.execute(query)]


def count_open(session: Session) -> int:
    query = select(func.count()).select_from(Promise).where(Promise.status == PromiseStatus.open)
    return int(session.execute(query).scalar_one())


def portfolios(session: Session) -> dict[uuid.UUID, Portfolio]:
    """Every portfolio (their timezones and policies), in one query."""
    return {p.id: p for p in session.execute(select(Portfolio)).scalars()}
