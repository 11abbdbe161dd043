"""Booking one payment (ledger entry, balance, allocation to instalments, promise, audit) costs
a handful of SQL statements on both databases, counted at the cursor."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

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
):
    account_id, agent_id = ids
    return payments.record_payment(
        session,
        Actor("user", agent_id),
        account_id,
        IncomingPayment(
            amount_minor=amount,
            currency="PEN",
            paid_on=days(0),
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


def test_a_payment_keeping_a_promise_books_in_seven_statements(session: Session) -> None:
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
    session.expire_all()

    with counted(session) as statements:
        _book(session, ids, 25_000)

    # One more than with a plan: the money received since the promise's local day is read
    # before anything is written (the day depends on the portfolio's timezone).
    assert len(statements) <= MAX_STATEMENTS + 1, "\n".join(statements)
    session.refresh(promise)
    assert promise.status == "kept"
