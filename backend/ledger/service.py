"""The ledger: append-only entries; the balance is their sum. Corrections are reversals.

Every post names an idempotency key unique per account. Posting the same key again with the
same content returns the first entry (a replay, nothing written); with different content it is
an ``IdempotencyConflict``. Posts lock the account row, so concurrent posts for one account are
serialised and the cached ``Account.balance_minor`` always equals the sum of its entries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from backend.accounts.models import Account
from backend.amounts import ceiling, check_amount, check_overpayment
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.errors import Conflict, CurrencyMismatch, IdempotencyConflict, NotFound
from backend.core.sqlbuild import among, json_object, json_record, uuid_text
from backend.creditors.models import Portfolio
from backend.ledger import repository
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import CREDIT_KINDS, AccountStatus, EntryKind


@dataclass(frozen=True, slots=True)
class Posted:
    entry: LedgerEntry
    created: bool  # False when the idempotency key replayed an earlier post


def signed(kind: EntryKind, amount_minor: int) -> int:
    if amount_minor <= 0:
        raise ValueError("ledger amounts are posted positive; the kind gives the sign")
    return -amount_minor if kind in CREDIT_KINDS else amount_minor


def post(
    session: Session,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    kind: EntryKind,
    amount_minor: int,
    currency: str,
    effective_date: date,
    source: str,
    idempotency_key: str,
    description: str | None = None,
    limit_overpayment: bool = False,
) -> Posted:
    """``limit_overpayment``: a payment or discount posted by hand may take the balance at
    most the portfolio's tolerance below zero (a supervisor approves beyond)."""
    if kind == EntryKind.reversal:
        raise ValueError("use reverse() for reversals")
    account = repository.lock_account(session, account_id)
    if account is None:
        raise NotFound()
    if currency != account.currency:
        raise CurrencyMismatch(given=currency, expected=account.currency)
    portfolio = _portfolio(session, account)
    check_amount(amount_minor, ceiling(portfolio))
    amount = signed(kind, amount_minor)
    existing = repository.by_key(session, account.id, idempotency_key)
    if existing is not None:
        same = (existing.kind, existing.amount_minor, existing.effective_date) == (
            kind,
            amount,
            effective_date,
        )
        if not same:
            raise IdempotencyConflict()
        return Posted(existing, created=False)
    if limit_overpayment and kind in CREDIT_KINDS:
        check_overpayment(
            account.balance_minor, amount_minor, portfolio.overpayment_tolerance_minor
        )
    entry = LedgerEntry(
        account_id=account.id,
        kind=kind,
        amount_minor=amount,
        currency=currency,
        effective_date=effective_date,
        source=source,
        idempotency_key=idempotency_key,
        description=description,
        created_by_id=actor.id if actor.kind == "user" else None,
    )
    return _append(session, actor, account, entry)


def reverse(
    session: Session,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    idempotency_key: str,
    source: str,
    description: str | None = None,
    effective_date: date | None = None,
) -> Posted:
    """Cancel one entry exactly with an opposite entry. An entry is reversed at most once."""
    original = session.get(LedgerEntry, entry_id)
    if original is None:
        raise NotFound()
    account = repository.lock_account(session, original.account_id)
    assert account is not None  # guaranteed by the foreign key
    existing = repository.by_key(session, account.id, idempotency_key)
    if existing is not None:
        if existing.reverses_entry_id != original.id:
            raise IdempotencyConflict()
        return Posted(existing, created=False)
    if original.kind == EntryKind.reversal:
        raise Conflict("error.cannot_reverse_reversal")
    if repository.reversal_of(session, original.id) is not None:
        raise Conflict("error.already_reversed")
    portfolio = _portfolio(session, account)
    entry = LedgerEntry(
        account_id=account.id,
        kind=EntryKind.reversal,
        amount_minor=-original.amount_minor,
        currency=original.currency,
        effective_date=effective_date or today_in(portfolio.timezone),
        source=source,
        idempotency_key=idempotency_key,
        reverses_entry_id=original.id,
        description=description,
        created_by_id=actor.id if actor.kind == "user" else None,
    )
    return _append(session, actor, account, entry)


def _portfolio(session: Session, account: Account) -> Portfolio:
    portfolio = session.get(Portfolio, account.portfolio_id)
    assert portfolio is not None  # foreign key
    return portfolio


def _append(session: Session, actor: Actor, account: Account, entry: LedgerEntry) -> Posted:
    # The balance stays within the ceiling too, so no sum of stored amounts can overflow.
    check_amount(account.balance_minor + entry.amount_minor, ceiling(_portfolio(session, account)))
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # Lost a race on the unique key despite the lock (e.g. SQLite without row locks):
        # the winner's entry is the answer.
        winner = repository.by_key(session, account.id, entry.idempotency_key)
        if winner is None:
            raise Conflict("error.already_reversed") from None
        return Posted(winner, created=False)
    _book(session, actor, account, entry)
    return Posted(entry, created=True)


def append(
    session: Session, actor: Actor, account: Account, portfolio: Portfolio, entry: LedgerEntry
) -> LedgerEntry:
    """Append an entry for a caller that holds the account's lock and has checked that the
    idempotency key is new (payments do, in one read): no savepoint, no reads. The entry and
    the balance it moves are written at once, by one statement (``repository.append_posting``);
    the audit events by the caller's flush."""
    if entry.currency != account.currency:
        raise CurrencyMismatch(given=entry.currency, expected=account.currency)
    limit = ceiling(portfolio)
    check_amount(entry.amount_minor, limit)
    check_amount(account.balance_minor + entry.amount_minor, limit)
    # the row is locked: this is exact
    balance, status = _moved(account.balance_minor, account.status, entry.amount_minor)
    repository.append_posting(session, entry, status)
    _booked(session, actor, account, entry, balance, status)
    return entry


def _moved(balance: int, status: AccountStatus, delta: int) -> tuple[int, AccountStatus]:
    """The balance after ``delta``, with the status it implies: a zero balance closes the
    account as paid; money that reopens it restores active."""
    balance += delta
    return balance, booked_status(balance, status)


def booked(
    currency: str,
    portfolio: Portfolio,
    balance: int,
    status: AccountStatus,
    entry_currency: str,
    amount_minor: int,
) -> tuple[int, AccountStatus]:
    """What ``append`` checks and computes, without touching the session: the balance and
    status after ``entry`` on an account (locked by the caller) at ``balance`` / ``status``.
    For bulk writers (``append_many``)."""
    if entry_currency != currency:
        raise CurrencyMismatch(given=entry_currency, expected=currency)
    limit = ceiling(portfolio)
    check_amount(amount_minor, limit)
    check_amount(balance + amount_minor, limit)
    return _moved(balance, status, amount_minor)


def append_many(
    session: Session,
    entries: list[dict[str, Any]],
    moves: dict[uuid.UUID, tuple[int, int, AccountStatus]],
) -> None:
    """Write entries checked with ``booked`` (their audit events are the caller's) and move
    each account by ``(delta, balance, status)``: one bulk INSERT and one batched UPDATE of
    atomic increments. Accounts already in the session see their new balance and status."""
    repository.append_many(session, entries)
    repository.add_to_balances(
        session,
        [
            {"account": account_id, "delta": delta, "new_status": status}
            for account_id, (delta, _, status) in moves.items()
        ],
    )
    for account_id, (_, balance, status) in moves.items():
        account = session.identity_map.get(session.identity_key(Account, account_id))  # type: ignore[arg-type]
        if account is not None:
            set_committed_value(account, "balance_minor", balance)
            set_committed_value(account, "status", status)


def _book(session: Session, actor: Actor, account: Account, entry: LedgerEntry) -> None:
    """Add the entry to the cached balance (an atomic increment, with the status it implies, in
    one UPDATE) and audit it. A zero balance closes the account as paid; a reversal that
    reopens it restores active."""
    # the row is locked: this is exact
    balance, status = _moved(account.balance_minor, account.status, entry.amount_minor)
    repository.add_to_balance(session, account.id, entry.amount_minor, status)
    _booked(session, actor, account, entry, balance, status)


def _booked(
    session: Session,
    actor: Actor,
    account: Account,
    entry: LedgerEntry,
    balance: int,
    status: AccountStatus,
) -> None:
    """The account in the session at its new balance and status (written), and the audit
    events of the entry and of a status change."""
    before = account.status
    set_committed_value(account, "balance_minor", balance)
    set_committed_value(account, "status", status)
    audit.record(
        session,
        actor,
        f"ledger.{entry.kind.value}",
        "ledger_entry",
        entry.id,
        after=audit.snapshot(entry),
        account_id=account.id,
    )
    if status != before:
        audit.record(
            session,
            actor,
            "account.status_changed",
            "account",
            account.id,
            before={"status": before.value},
            after={"status": status.value},
            account_id=account.id,
        )


def moves_money_in(session: Session, entry: LedgerEntry) -> bool:
    """Payments, and reversals of payments, change what plans and promises have received."""
    if entry.kind == EntryKind.payment:
        return True
    if entry.kind == EntryKind.reversal and entry.reverses_entry_id:
        original = session.get(LedgerEntry, entry.reverses_entry_id)
        return original is not None and original.kind == EntryKind.payment
    return False


def booked_status(balance_minor: int, status: AccountStatus) -> AccountStatus:
    """The status a balance implies (``_book``): zero closes as paid, a reopened one is active."""
    if balance_minor <= 0 and status in (AccountStatus.active, AccountStatus.in_plan):
        return AccountStatus.paid
    if balance_minor > 0 and status == AccountStatus.paid:
        return AccountStatus.active
    return status


def booked_status_sql(balance_minor: Any, status: Any) -> ColumnElement[Any]:
    """``booked_status`` in SQL, for accounts moved by a statement."""
    return case(
        (
            and_(
                balance_minor <= 0,
                status.in_([AccountStatus.active.value, AccountStatus.in_plan.value]),
            ),
            AccountStatus.paid.value,
        ),
        (
            and_(balance_minor > 0, status == AccountStatus.paid.value),
            AccountStatus.active.value,
        ),
        else_=status,
    )


def reverse_selected(
    session: Session,
    actor: Actor,
    originals: Select[Any],
    *,
    source: str,
    description: str,
    at: datetime,
) -> None:
    """``reverse`` for entries the database selects, on accounts the caller locked, each
    checked not reversed yet, written by SQL alone: ``originals`` labels ``id`` (the entry to
    reverse) and ``effective_date`` (the reversal's). A reversal's key is its original's plus
    ``:reversal``. Three statements: the reversals; their ``ledger.reversal`` events and an
    ``account.status_changed`` where the new balance moves the status (as ``_book`` records
    them); the balances, as atomic increments. At most one reversal per account (its status
    is judged once, on the sum)."""
    given = originals.subquery("originals")
    repository.insert_reversals(
        session, given, source=source, description=description, actor=actor, at=at
    )
    reversals = repository.reversals_of(given)
    snapshot = json_record(  # ``audit.snapshot`` of a new LedgerEntry, keys in its order
        {
            "account_id": uuid_text(reversals.c.account_id),
            "kind": reversals.c.kind,
            "amount_minor": reversals.c.amount_minor,
            "currency": reversals.c.currency,
            "effective_date": reversals.c.effective_date,
            "source": reversals.c.source,
            "idempotency_key": reversals.c.idempotency_key,
            "reverses_entry_id": uuid_text(reversals.c.reverses_entry_id),
            "description": reversals.c.description,
            "created_by_id": uuid_text(reversals.c.created_by_id),
            "id": uuid_text(reversals.c.id),
            "created_at": literal(audit.jsonable({"at": at})["at"]),
        }
    )
    entry_events = select(
        literal(f"ledger.{EntryKind.reversal.value}").label("action"),
        literal("ledger_entry").label("entity_type"),
        uuid_text(reversals.c.id).label("entity_id"),
        reversals.c.account_id.label("account_id"),
        cast(null(), JSON).label("before"),
        snapshot.label("after"),
    )
    deltas = repository.deltas_of(reversals)
    account = Account.__table__
    moved = booked_status_sql(account.c.balance_minor + deltas.c.delta, account.c.status)
    status_events = (
        select(
            literal("account.status_changed").label("action"),
            literal("account").label("entity_type"),
            uuid_text(account.c.id).label("entity_id"),
            account.c.id.label("account_id"),
            json_object("status", account.c.status).label("before"),
            json_object("status", moved).label("after"),
        )
        .join_from(account, deltas, account.c.id == deltas.c.account_id)
        .where(among(account.c.id, select(deltas.c.account_id)), moved != account.c.status)
    )
    audit.record_selected(session, actor, union_all(entry_events, status_events), at=at)
    repository.add_deltas(session, deltas, booked_status_sql)
