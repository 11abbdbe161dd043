"""Booking one payment (ledger entry, balance, allocation to instalments, promise, audit) costs
at most six SQL statements on both databases, counted at the cursor, with or without a plan and
a promise (each case checks what was written: balance, allocation, promise, audit events); the
promise counts the money received from its local day on, read with the account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, func
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment
from backend.payments.service import IncomingPayment
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.enums import AccountStatus, EntryKind, PaymentMethod, PlanKind
from tests import builders as b
from tests.plans.helpers import days, lima, team

MAX_STATEMENTS = 6


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind().engine

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _plan(session: Session, account) -> list[PlanInstalment]:
    plan = Plan(
        account_id=account.id,
        kind=PlanKind.instalments,
        currency="PEN",
        balance_at_agreement_minor=account.balance_minor,
        total_minor=account.balance_minor,
        created_at=utcnow() - timedelta(minutes=1),
    )
    session.add(plan)
    session.flush()
    rows = [
        PlanInstalment(plan_id=plan.id, number=n, due_date=days(30 * n), amount_minor=20_000)
        for n in (1, 2, 3)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _book(
    session: Session,
    ids: tuple[uuid.UUID, uuid.UUID],
    amount: int,
    instalment_id: uuid.UUID | None = None,
    on: date | None = None,
):
    account_id, agent_id = ids
    return payments.record_payment(
        session,
        Actor("user", agent_id),
        account_id,
        IncomingPayment(
            amount_minor=amount,
            currency="PEN",
            paid_on=on or days(0),
            method=PaymentMethod.cash,
            client_id=f"dev-{uuid.uuid4().hex[:12]}",
            instalment_id=instalment_id,
        ),
    )


def _promise(session: Session, account, amount: int) -> Promise:
    promise = Promise(
        account_id=account.id,
        amount_minor=amount,
        currency="PEN",
        due_date=days(3),
        channel="api",
        recorded_by_kind="agent",
    )
    session.add(promise)
    session.flush()
    return promise


def _actions(session: Session, account_id: uuid.UUID) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.account_id == account_id)
    return sorted(session.exec(query).all())


def _book_counted(
    session: Session,
    ids: tuple[uuid.UUID, uuid.UUID],
    amount: int,
    instalment_id: uuid.UUID | None = None,
    limit: int = MAX_STATEMENTS,
) -> tuple[Payment, list[str]]:
    """Book with nothing cached (the booking reads what it needs), counting its statements;
    then check what every booking writes: one new payment, one ledger entry for it, the
    balance equal to the ledger's sum, and the audit events it added (returned)."""
    account_id = ids[0]
    before = _actions(session, account_id)
    session.expire_all()
    with counted(session) as statements:
        payment, created = _book(session, ids, amount, instalment_id)
    assert created and len(statements) <= limit, "\n".join(statements)
    session.expire_all()
    entry = session.get(LedgerEntry, payment.ledger_entry_id)
    assert entry is not None and (entry.kind, entry.amount_minor) == (EntryKind.payment, -amount)
    account = session.get(Account, account_id)
    total = select(func.sum(LedgerEntry.amount_minor)).where(LedgerEntry.account_id == account_id)
    assert account is not None and account.balance_minor == session.exec(total).one()
    added = _actions(session, account_id)
    for action in before:
        added.remove(action)
    return payment, added


def _instalments(session: Session, rows: list[PlanInstalment]) -> list[tuple[int, str]]:
    for row in rows:
        session.refresh(row)
    return [(row.paid_minor, row.status.value) for row in rows]


def test_a_plain_payment_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)

    payment, added = _book_counted(session, (account.id, agent.id), 60_000)

    session.refresh(account)
    assert (payment.amount_minor, account.balance_minor) == (60_000, 0)
    assert account.status == AccountStatus.paid
    assert added == ["account.status_changed", "ledger.payment", "payment.received"]


def test_a_payment_allocated_to_instalments_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    rows = _plan(session, account)

    payment, added = _book_counted(session, (account.id, agent.id), 30_000, rows[1].id)

    session.refresh(account)
    assert (payment.instalment_id, account.balance_minor) == (rows[1].id, 30_000)
    assert _instalments(session, rows) == [(10_000, "partial"), (20_000, "paid"), (0, "pending")]
    assert added == ["ledger.payment", "payment.received"]


def test_a_payment_keeping_a_promise_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    promise = _promise(session, account, 25_000)
    ids = (account.id, agent.id)
    _book(session, ids, 10_000)  # money already in since the promise was made

    # The money received since the promise's day is read with the account, by the same query.
    _, added = _book_counted(session, ids, 15_000)

    session.refresh(promise)
    session.refresh(account)
    assert (promise.status, promise.paid_minor) == ("kept", 25_000)
    assert account.balance_minor == 35_000
    assert added == ["ledger.payment", "payment.received", "promise.kept"]


def test_a_payment_with_a_plan_and_a_promise_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    rows = _plan(session, account)
    promise = _promise(session, account, 20_000)

    _, added = _book_counted(session, (account.id, agent.id), 20_000, rows[0].id)

    session.refresh(promise)
    session.refresh(account)
    assert (promise.status, promise.paid_minor) == ("kept", 20_000)
    assert _instalments(session, rows) == [(20_000, "paid"), (0, "pending"), (0, "pending")]
    assert account.balance_minor == 40_000
    assert added == ["ledger.payment", "payment.received", "promise.kept"]


def test_a_payment_completing_its_plan_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    rows = _plan(session, account)

    _, added = _book_counted(session, (account.id, agent.id), 60_000)

    session.refresh(account)
    plan = session.get(Plan, rows[0].plan_id)
    assert plan is not None and plan.status == "completed" and plan.closed_at is not None
    assert _instalments(session, rows) == [(20_000, "paid")] * 3
    assert (account.balance_minor, account.status) == (0, AccountStatus.paid)
    assert added == [
        "account.status_changed",
        "ledger.payment",
        "payment.received",
        "plan.completed",
    ]


def test_a_payment_completing_its_plan_and_keeping_a_promise_books_in_seven(
    session: Session,
) -> None:
    """The one case over six: it writes seven tables (the plan's own row too)."""
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    rows = _plan(session, account)
    promise = _promise(session, account, 20_000)

    _, added = _book_counted(session, (account.id, agent.id), 60_000, limit=MAX_STATEMENTS + 1)

    session.refresh(promise)
    assert (promise.status, promise.paid_minor) == ("kept", 60_000)
    assert _instalments(session, rows) == [(20_000, "paid")] * 3
    assert added == [
        "account.status_changed",
        "ledger.payment",
        "payment.received",
        "plan.completed",
        "promise.kept",
    ]


def _promise_made_at_evening(session: Session):
    """A promise of 200.00 made at 21:30 on 10 March in Lima (02:30 UTC on the 11th), with
    50.00 paid on the 9th and 80.00 on the 10th."""
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=90_000)
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=ZoneInfo("America/Lima"))
    promise = Promise(
        account_id=account.id,
        amount_minor=20_000,
        currency="PEN",
        due_date=date(2026, 3, 12),
        channel="api",
        recorded_by_kind="agent",
        created_at=evening.astimezone(UTC),
    )
    session.add(promise)
    session.flush()
    ids = (account.id, agent.id)
    _book(session, ids, 5_000, on=date(2026, 3, 9))
    _book(session, ids, 8_000, on=date(2026, 3, 10))
    return ids, promise


def test_a_promise_counts_money_from_its_local_day_on(session: Session) -> None:
    ids, promise = _promise_made_at_evening(session)

    _book(session, ids, 12_000, on=date(2026, 3, 10))

    session.refresh(promise)
    assert (promise.status, promise.paid_minor) == ("kept", 20_000)  # not the 50.00 of the 9th


def test_money_before_the_promise_day_does_not_keep_it(session: Session) -> None:
    ids, promise = _promise_made_at_evening(session)

    _book(session, ids, 10_000, on=date(2026, 3, 10))  # 180.00 since the 10th, 230.00 in all

    session.refresh(promise)
    assert promise.status == "open"
