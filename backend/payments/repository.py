from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.bulk import RowsUpdate, insert_rows
from backend.core.dates import add_days
from backend.core.db import expire_loaded
from backend.core.pagination import keyset
from backend.creditors.models import Portfolio
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment, PaymentLink, ProviderEvent
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.enums import AccountStatus, EntryKind, LinkStatus, PlanStatus, PromiseStatus


@dataclass(slots=True)
class BookingContext:
    """Everything booking a payment needs, read in one statement with the account locked."""

    account: Account
    portfolio: Portfolio
    existing_id: uuid.UUID | None  # a payment already booked with this external or client id
    receipt_taken: bool
    plan: Plan | None
    promise: Promise | None
    instalments: list[PlanInstalment] = field(default_factory=list)
    # With an open promise: money received per effective day (payments net of reversals) from
    # two days before the promise was made (its local day, in any timezone, is not earlier).
    received: list[tuple[date, int]] = field(default_factory=list)


def booking_context(
    session: Session,
    account_id: uuid.UUID,
    *,
    external_id: str | None,
    client_id: str | None,
    agent_id: uuid.UUID | None,
    receipt_number: str | None,
) -> BookingContext | None:
    """The locked account (read afresh) with its portfolio, active plan and instalments, open
    promise and the money received since it was made, and whether the payment's ids are
    already used: one statement, one row per instalment.

    On PostgreSQL the rows joined to the account come from the statement's snapshot, taken
    before the account's lock was granted: had the lock been waited for, they could predate
    what its holder committed (a concurrent payment's allocation). So the account is locked
    only if free (``SKIP LOCKED``) and the row must be the version the snapshot saw (``xmin``);
    otherwise the lock is waited for and everything read again, now afresh."""
    by_key = Payment.external_id == external_id if external_id else Payment.client_id == client_id
    receipt = (
        exists().where(Payment.agent_id == agent_id, Payment.receipt_number == receipt_number)
        if agent_id and receipt_number
        else false()
    )
    query = (
        select(
            Account,
            Portfolio,
            Plan,
            PlanInstalment,
            Promise,
            select(Payment.id).where(by_key).scalar_subquery(),
            receipt,
            _received_by_day(Account.id),
            _as_in_snapshot(session),
        )
        .join(Portfolio, Portfolio.id == Account.portfolio_id)
        .outerjoin(Plan, and_(Plan.account_id == Account.id, Plan.status == PlanStatus.active))
        .outerjoin(PlanInstalment, PlanInstalment.plan_id == Plan.id)
        .outerjoin(
            Promise, and_(Promise.account_id == Account.id, Promise.status == PromiseStatus.open)
        )
        .where(Account.id == account_id)
        .order_by(col(PlanInstalment.number))
        .execution_options(populate_existing=True)
    )
    rows = session.execute(query.with_for_update(of=Account, skip_locked=True)).all()
    if not rows or not rows[0][-1]:
        if session.execute(_lock(account_id)).first() is None:
            return None
        rows = session.execute(query.with_for_update(of=Account)).all()
    account, portfolio, plan, _, promise, existing_id, receipt_taken, received, _ = rows[0]
    context = BookingContext(account, portfolio, existing_id, bool(receipt_taken), plan, promise)
    context.instalments = [row[3] for row in rows if row[3] is not None]
    context.received = _days(received)
    return context


def _lock(account_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    return select(Account.id).where(Account.id == account_id).with_for_update()


def _as_in_snapshot(session: Session) -> ColumnElement[bool]:
    """Whether the locked account row is the version the statement's snapshot sees (true on
    SQLite, where a writing transaction holds the database from its start)."""
    if session.get_bind().dialect.name != "postgresql":
        return true()
    seen = Account.__table__.alias("seen")  # type: ignore[attr-defined]
    in_snapshot = select(cast(literal_column("seen.xmin"), String)).where(seen.c.id == Account.id)
    return cast(literal_column("accounts.xmin"), String) == in_snapshot.scalar_subquery()


def _received_by_day(account_id: Any) -> ColumnElement[str | None]:
    """For an account with an open promise: ``day:amount`` of each payment (and reversal of
    one) effective from two days before the promise was made, comma separated; NULL otherwise.
    Amounts are positive for money in."""
    entry = LedgerEntry.__table__.alias("received")  # type: ignore[attr-defined]
    paid = LedgerEntry.__table__.alias("paid")  # type: ignore[attr-defined]
    payment_ids = (
        select(paid.c.id)
        .where(paid.c.account_id == account_id, paid.c.kind == EntryKind.payment)
        .correlate(Account)
    )
    text = cast(entry.c.effective_date, String) + ":" + cast(-entry.c.amount_minor, String)
    by_day = select(func.aggregate_strings(text, ",")).where(
        entry.c.account_id == account_id,
        entry.c.effective_date >= add_days(Promise.created_at, -2),
        or_(entry.c.kind == EntryKind.payment, entry.c.reverses_entry_id.in_(payment_ids)),
    )
    return case((col(Promise.id).is_not(None), by_day.scalar_subquery()), else_=None)


def _days(received: str | None) -> list[tuple[date, int]]:
    if not received:
        return []
    pairs = (item.split(":") for item in received.split(","))
    return [(date.fromisoformat(day), int(amount)) for day, amount in pairs]


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
    query = select(PaymentLink).where(PaymentLink.account_id == account_id)
    return keyset(session, query, PaymentLink.id, after, limit)


def payments_page(
    session: Session, account_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[Payment]:
    query = select(Payment).where(Payment.account_id == account_id)
    return keyset(session, query, Payment.id, after, limit)


def targets_since(session: Session, account_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """Ledger entry id -> instalment id, for payments made for a specific instalment."""
    query = select(Payment.ledger_entry_id, Payment.instalment_id).where(
        Payment.account_id == account_id, col(Payment.instalment_id).is_not(None)
    )
    return {entry: instalment for entry, instalment in session.execute(query)}


@dataclass(frozen=True, slots=True)
class LockedAccount:
    """An account as bulk booking reads it, locked, with its portfolio and whether it has an
    active plan or an open promise (then read again under the lock: ``BookingState``)."""

    id: uuid.UUID
    portfolio_id: uuid.UUID
    currency: str
    balance_minor: int
    status: AccountStatus
    has_plan: bool
    has_promise: bool
    portfolio: Portfolio


_IN_CHUNK = 900  # values per IN (...) list


def _account_columns() -> tuple[Any, ...]:
    plan = exists().where(Plan.account_id == Account.id, Plan.status == PlanStatus.active)
    promise = exists().where(Promise.account_id == Account.id, Promise.status == PromiseStatus.open)
    return (
        Account.id,
        Account.portfolio_id,
        Account.currency,
        Account.balance_minor,
        Account.status,
        plan,
        promise,
    )


def _locked(row: Any, portfolio: Portfolio) -> LockedAccount:
    return LockedAccount(*row[:5], bool(row[5]), bool(row[6]), portfolio)


# The statements of the hot bulk paths are built once: for a few rows, building a statement
# costs more than running it.
_LOCK_ACCOUNTS = (
    select(*_account_columns())
    .where(col(Account.id).in_(bindparam("ids", expanding=True)))
    .order_by(col(Account.id))
    .with_for_update(of=Account)
)


def lock_accounts(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, LockedAccount]:
    """The accounts, locked in id order (two bulk bookings never wait on each other in a
    cycle), read afresh, with their portfolio (read apart, unless the session holds it: a
    thousand accounts share a few) and whether each has an active plan or an open promise."""
    rows = []
    for chunk in _chunks(sorted(set(account_ids))):
        rows.extend(session.execute(_LOCK_ACCOUNTS, {"ids": chunk}))
    portfolios = _portfolios(session, {row[1] for row in rows})
    return {row[0]: _locked(row, portfolios[row[1]]) for row in rows}


def _portfolios(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Portfolio]:
    found: dict[uuid.UUID, Portfolio] = {}
    for portfolio_id in ids:
        held = session.identity_map.get(session.identity_key(Portfolio, portfolio_id))  # type: ignore[arg-type]
        if held is not None and not sa_inspect(held).expired_attributes:
            found[portfolio_id] = held
    if missing := sorted(ids - found.keys()):
        query = select(Portfolio).where(col(Portfolio.id).in_(missing))
        found.update({p.id: p for p in session.execute(query).scalars()})
    return found


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[start : start + _IN_CHUNK] for start in range(0, len(values), _IN_CHUNK)]


_BY_EXTERNAL_ID = select(Payment).where(
    col(Payment.external_id).in_(bindparam("keys", expanding=True))
)
_BY_CLIENT_ID = select(Payment).where(col(Payment.client_id).in_(bindparam("keys", expanding=True)))


@dataclass(slots=True)
class BookingState:
    """An account with an active plan or an open promise, as bulk booking needs it (read
    under its lock): the plan's instalments in number order, the money received per day since
    two days before the promise was made (``BookingContext.received``)."""

    account: Account
    plan: Plan | None
    promise: Promise | None
    instalments: list[PlanInstalment] = field(default_factory=list)
    received: list[tuple[date, int]] = field(default_factory=list)


_BOOKING_STATES = (
    select(Account, Plan, PlanInstalment, Promise, _received_by_day(Account.id))
    .outerjoin(Plan, and_(Plan.account_id == Account.id, Plan.status == PlanStatus.active))
    .outerjoin(PlanInstalment, PlanInstalment.plan_id == Plan.id)
    .outerjoin(
        Promise, and_(Promise.account_id == Account.id, Promise.status == PromiseStatus.open)
    )
    .where(col(Account.id).in_(bindparam("ids", expanding=True)))
    .order_by(col(Account.id), col(PlanInstalment.number))
    .execution_options(populate_existing=True)
)


def booking_states(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, BookingState]:
    """``BookingState`` of the accounts (locked by the caller), one row per instalment."""
    found: dict[uuid.UUID, BookingState] = {}
    for chunk in _chunks(sorted(account_ids)):
        for account, plan, instalment, promise, received in session.execute(
            _BOOKING_STATES, {"ids": chunk}
        ):
            state = found.get(account.id)
            if state is None:
                state = found[account.id] = BookingState(account, plan, promise)
                state.received = _days(received)
            if instalment is not None:
                state.instalments.append(instalment)
    return found


def receipts_used(
    session: Session, receipts: set[tuple[uuid.UUID, str]]
) -> set[tuple[uuid.UUID, str]]:
    """Which of these (agent, receipt number) pairs a payment already carries."""
    found: set[tuple[uuid.UUID, str]] = set()
    for chunk in _chunks(sorted(receipts)):
        query = select(Payment.agent_id, Payment.receipt_number).where(
            tuple_(Payment.agent_id, Payment.receipt_number).in_(chunk)
        )
        found.update((agent, str(number)) for agent, number in session.execute(query))
    return found


def payments_by_keys(
    session: Session, external_ids: list[str], client_ids: list[str]
) -> dict[tuple[str, str], Payment]:
    """Payments already booked under these ids, by ``("external", id)`` or ``("client", id)``."""
    found: dict[tuple[str, str], Payment] = {}
    for chunk in _chunks(external_ids):
        for payment in session.execute(_BY_EXTERNAL_ID, {"keys": chunk}).scalars():
            found[("external", str(payment.external_id))] = payment
    for chunk in _chunks(client_ids):
        for payment in session.execute(_BY_CLIENT_ID, {"keys": chunk}).scalars():
            found[("client", str(payment.client_id))] = payment
    return found


def insert_payments(session: Session, payments: list[dict[str, Any]]) -> None:
    """New payments (rows with every column) in bulk, outside the ORM's unit of work."""
    insert_rows(session, Payment.__table__, payments)  # type: ignore[attr-defined]


def claim_events(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """Insert inbox rows (in the given order: event id order, so two groups never wait on each
    other in a cycle) in one multi-row INSERT, skipping those already stored or being stored
    by another transaction (it is waited for, as a unique index does): the event ids this
    transaction claimed, in the given order."""
    if not rows:
        return []
    statement = _claim(session.get_bind().dialect.name)
    claimed = set(session.execute(statement, rows).scalars())
    return [row["event_id"] for row in rows if row["event_id"] in claimed]


@cache
def _claim(dialect: str) -> Any:
    table = ProviderEvent.__table__  # type: ignore[attr-defined]
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert_(table).on_conflict_do_nothing().returning(table.c.event_id)


_EVENTS = ProviderEvent.__table__  # type: ignore[attr-defined]
_SET_OUTCOMES = RowsUpdate(
    _EVENTS,
    key="event",
    types={"event": _EVENTS.c.id.type, "new_outcome": _EVENTS.c.outcome.type},
    assign=lambda row: {"outcome": row("new_outcome"), "processed_at": row("at")},
    scalars={"at": _EVENTS.c.processed_at.type},
)


def set_outcomes(session: Session, outcomes: list[dict[str, Any]], at: datetime) -> None:
    """Claimed events' outcomes (``event``: the inbox row's id, ``new_outcome``) in one
    statement (none for none)."""
    _SET_OUTCOMES(session, outcomes, at=at)


@dataclass(frozen=True, slots=True)
class LinkToPay:
    """What paying a link reads of it."""

    id: uuid.UUID
    account_id: uuid.UUID
    currency: str
    amount_minor: int
    status: LinkStatus
    instalment_id: uuid.UUID | None
    promise_id: uuid.UUID | None


_LINKS_TO_PAY = (
    select(
        PaymentLink.id,
        PaymentLink.account_id,
        PaymentLink.currency,
        PaymentLink.amount_minor,
        PaymentLink.status,
        PaymentLink.instalment_id,
        PaymentLink.promise_id,
        *_account_columns(),
        Portfolio,
    )
    .join(Account, Account.id == PaymentLink.account_id)
    .join(Portfolio, Portfolio.id == Account.portfolio_id)
    .where(col(PaymentLink.id).in_(bindparam("ids", expanding=True)))
    .order_by(col(Account.id))
    .with_for_update(of=Account)
)


def links_to_pay(
    session: Session, link_ids: set[uuid.UUID]
) -> tuple[dict[uuid.UUID, LinkToPay], dict[uuid.UUID, LockedAccount]]:
    """The links (plain columns) and their accounts as ``lock_accounts`` reads them, locked
    in id order: one query."""
    links: dict[uuid.UUID, LinkToPay] = {}
    accounts: dict[uuid.UUID, LockedAccount] = {}
    for chunk in _chunks(sorted(link_ids)):
        for row in session.execute(_LINKS_TO_PAY, {"ids": chunk}):
            links[row[0]] = LinkToPay(*row[:7])
            accounts[row[1]] = _locked(row[7:14], row[14])
    return links, accounts


_LINKS = PaymentLink.__table__  # type: ignore[attr-defined]
_MARK_PAID = RowsUpdate(
    _LINKS,
    key="link",
    types={"link": _LINKS.c.id.type},
    assign=lambda row: {"status": LinkStatus.paid, "paid_at": row("at")},
    where=lambda _: [_LINKS.c.status != LinkStatus.paid],
    scalars={"at": _LINKS.c.paid_at.type},
)


def mark_links_paid(session: Session, link_ids: list[uuid.UUID], at: datetime) -> None:
    """Links paid at ``at`` in one statement (those already paid stay as they are); loaded
    copies are expired."""
    _MARK_PAID(session, [{"link": link_id} for link_id in link_ids], at=at)
    expire_loaded(session, PaymentLink)


_DEFERRED = select(ProviderEvent.id).where(
    col(ProviderEvent.reference).in_(bindparam("references", expanding=True)),
    ProviderEvent.outcome == "deferred",
)


def deferred_events_for(session: Session, references: list[str]) -> list[ProviderEvent]:
    """``deferred_events`` for many references at once (their ids first: usually none)."""
    ids: list[uuid.UUID] = []
    for chunk in _chunks(references):
        ids.extend(session.execute(_DEFERRED, {"references": chunk}).scalars())
    if not ids:
        return []
    query = (
        select(ProviderEvent)
        .where(col(ProviderEvent.id).in_(ids))
        .order_by(col(ProviderEvent.received_at))
    )
    return list(session.execute(query).scalars())
