"""A payment that waits for another on the same account books after it, seeing what it
committed (PostgreSQL): the booking's one read joins the plan, instalments, promise and money
received to the locked account, and rows read before the lock was granted would be stale."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.payments import service as payments
from backend.payments.service import IncomingPayment
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.enums import PaymentMethod, PlanKind
from tests import builders as b
from tests.plans.helpers import days, lima

pytestmark = pytest.mark.postgres_only


def _pay(engine: Engine, account_id: uuid.UUID, amount: int, hold: float = 0.0) -> None:
    with session_scope(engine) as session:
        payments.record_payment(
            session,
            Actor.system(),
            account_id,
            IncomingPayment(
                amount_minor=amount,
                currency="PEN",
                paid_on=days(0),
                method=PaymentMethod.cash,
                client_id=uuid.uuid4().hex,
            ),
        )
        time.sleep(hold)  # still holding the account's lock


def _one_waits_for_the_other(engine: Engine, account_id: uuid.UUID, amount: int) -> None:
    """The first payment holds the account for a second while the second one starts."""
    first = threading.Thread(target=_pay, args=(engine, account_id, amount, 1.0))
    first.start()
    time.sleep(0.3)
    _pay(engine, account_id, amount)
    first.join(timeout=30)


def _account(engine: Engine, extra: Callable[[Session, uuid.UUID], None]) -> uuid.UUID:
    with session_scope(engine) as session:
        account = b.account(session, lima(session), principal=60_000)
        extra(session, account.id)
        return account.id


def test_a_waiting_payment_allocates_after_the_first(committed_engine: Engine, db_kind) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks: PostgreSQL")

    def plan(session: Session, account_id: uuid.UUID) -> None:
        row = Plan(
            account_id=account_id,
            kind=PlanKind.instalments,
            currency="PEN",
            balance_at_agreement_minor=60_000,
            total_minor=60_000,
            created_at=utcnow() - timedelta(minutes=1),
        )
        session.add(row)
        session.flush()
        session.add_all(
            PlanInstalment(plan_id=row.id, number=n, due_date=days(30 * n), amount_minor=20_000)
            for n in (1, 2, 3)
        )

    account_id = _account(committed_engine, plan)

    _one_waits_for_the_other(committed_engine, account_id, 15_000)

    with session_scope(committed_engine) as session:
        paid = session.exec(select(PlanInstalment.paid_minor).order_by(PlanInstalment.number))
        assert list(paid) == [20_000, 10_000, 0]


def test_a_waiting_payment_counts_the_first_for_the_promise(
    committed_engine: Engine, db_kind
) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks: PostgreSQL")

    def promise(session: Session, account_id: uuid.UUID) -> None:
        session.add(
            Promise(
                account_id=account_id,
                amount_minor=25_000,
                currency="PEN",
                due_date=days(3),
                channel="api",
                recorded_by_kind="agent",
            )
        )

    account_id = _account(committed_engine, promise)

    _one_waits_for_the_other(committed_engine, account_id, 15_000)

    with session_scope(committed_engine) as session:
        kept = session.exec(select(Promise.status, Promise.paid_minor)).one()
        assert tuple(kept) == ("kept", 30_000)
