"""Booking one payment (ledger entry, balance, allocation to instalments, promise, audit) costs
at most six SQL statements on both databases, counted at the cursor; the promise counts the
money received from its local day on, read with the account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session, select

from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.payments import service as payments
from backend.payments.service import IncomingPayment
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.enums import PaymentMethod, PlanKind
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


def test_a_payment_allocated_to_instalments_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    rows = _plan(session, account)
    ids, target = (account.id, agent.id), rows[1].id
    session.expire_all()  # nothing cached: the booking reads what it needs

    with counted(session) as statements:
        _, created = _book(session, ids, 30_000, target)

    assert created and len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    paid = session.exec(select(PlanInstalment.paid_minor).order_by(PlanInstalment.number)).all()
    assert list(paid)[-3:] == [10_000, 20_000, 0]


def test_a_payment_keeping_a_promise_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    promise = Promise(
        account_id=account.id,
        amount_minor=25_000,
        currency="PEN",
        due_date=days(3),
        channel="api",
        recorded_by_kind="agent",
    )
    session.add(promise)
    session.flush()
    ids = (account.id, agent.id)
    _book(session, ids, 10_000)  # money already in since the promise was made
    session.expire_all()

    with counted(session) as statements:
        _book(session, ids, 15_000)

    # The money received since the promise's day is read with the account, by the same query.
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    session.refresh(promise)
    assert (promise.status, promise.paid_minor) == ("kept", 25_000)


def test_a_plain_payment_books_in_six_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    ids = (account.id, agent.id)
    session.expire_all()

    with counted(session) as statements:
        payment, created = _book(session, ids, 60_000)

    assert created and len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    session.refresh(payment)
    assert payment.amount_minor == 60_000


def test_a_payment_with_a_plan_and_a_promise_books_in_seven_statements(session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    rows = _plan(session, account)
    promise = Promise(
        account_id=account.id,
        amount_minor=20_000,
        currency="PEN",
        due_date=days(3),
        channel="api",
        recorded_by_kind="agent",
    )
    session.add(promise)
    session.flush()
    ids, target = (account.id, agent.id), rows[0].id
    session.expire_all()

    with counted(session) as statements:
        _book(session, ids, 20_000, target)

    # One more than either alone: the instalments and the promise are rows of two tables.
    assert len(statements) <= MAX_STATEMENTS + 1, "\n".join(statements)
    session.refresh(promise)
    paid = session.exec(select(PlanInstalment.paid_minor).order_by(PlanInstalment.number)).all()
    assert promise.status == "kept" and list(paid)[-3:] == [20_000, 0, 0]


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
