"""A payment that waits for another on the same account books after it, seeing what it
committed (PostgreSQL): the booking's one read joins the plan, instalments, promise and money
received to the locked account, and rows read before the lock was granted would be stale."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment
from backend.payments.service import IncomingPayment
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.enums import PaymentMethod, PlanKind
from tests import builders as b
from tests.plans.helpers import days, lima

pytestmark = pytest.mark.postgres_only


def _pay(
    engine: Engine, account_id: uuid.UUID, amount: int, hold: float = 0.0, key: str = ""
) -> None:
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
                client_id=key or uuid.uuid4().hex,
            ),
        )
        time.sleep(hold)  # still holding the account's lock


def _one_waits_for_the_other(
    engine: Engine, account_id: uuid.UUID, amount: int, key: str = ""
) -> None:
    """The first payment holds the account for a second while the second one starts (the
    same payment twice when ``key`` names it)."""
    first = threading.Thread(target=_pay, args=(engine, account_id, amount, 1.0, key))
    first.start()
    time.sleep(0.3)
    _pay(engine, account_id, amount, key=key)
    first.join(timeout=30)


def _account(engine: Engine, extra: Callable[[Session, uuid.UUID], None]) -> uuid.UUID:
    with session_scope(engine) as session:
        account = b.account(session, lima(session), principal=60_000)
        extra(session, account.id)
        return account.id


def test_a_waiting_payment_allocates_after_the_first(committed_engine: Engine, db_kind) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks: PostgreSQL")

    account_id = _account(committed_engine, _plan)

    _one_waits_for_the_other(committed_engine, account_id, 15_000)

    with session_scope(committed_engine) as session:
        paid = session.exec(select(PlanInstalment.paid_minor).order_by(PlanInstalment.number))
        assert list(paid) == [20_000, 10_000, 0]


def _plan(session: Session, account_id: uuid.UUID) -> None:
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


def test_a_waiting_payment_counts_the_first_for_the_promise(
    committed_engine: Engine, db_kind
) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks: PostgreSQL")

    account_id = _account(committed_engine, _promise)

    _one_waits_for_the_other(committed_engine, account_id, 15_000)

    with session_scope(committed_engine) as session:
        kept = session.exec(select(Promise.status, Promise.paid_minor)).one()
        assert tuple(kept) == ("kept", 30_000)


def _promise(session: Session, account_id: uuid.UUID) -> None:
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


def _plan_and_promise(session: Session, account_id: uuid.UUID) -> None:
    _plan(session, account_id)
    _promise(session, account_id)


def test_a_waiting_payment_sees_the_first_in_the_plan_and_the_promise(
    committed_engine: Engine, db_kind
) -> None:
    if db_kind != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    account_id = _account(committed_engine, _plan_and_promise)

    _one_waits_for_the_other(committed_engine, account_id, 15_000)

    with session_scope(committed_engine) as session:
        paid = session.exec(select(PlanInstalment.paid_minor).order_by(PlanInstalment.number))
        kept = session.exec(select(Promise.status, Promise.paid_minor)).one()
        balance = session.exec(select(Account.balance_minor)).one()
        assert (list(paid), tuple(kept), balance) == ([20_000, 10_000, 0], ("kept", 30_000), 30_000)


def test_the_same_payment_at_once_books_once(committed_engine: Engine, db_kind) -> None:
    """The second booking of one client id waits for the first, then finds its payment: one
    payment, one entry, one allocation, one promise resolution, one audit event of each."""
    if db_kind != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    account_id = _account(committed_engine, _plan_and_promise)

    _one_waits_for_the_other(committed_engine, account_id, 25_000, key="dev-once")

    with session_scope(committed_engine) as session:
        paid = session.exec(select(PlanInstalment.paid_minor).order_by(PlanInstalment.number))
        kept = session.exec(select(Promise.status, Promise.paid_minor)).one()
        balance = session.exec(select(Account.balance_minor)).one()
        assert (list(paid), tuple(kept), balance) == ([20_000, 5_000, 0], ("kept", 25_000), 35_000)
        assert len(session.exec(select(Payment.id)).all()) == 1
        entries = session.exec(select(LedgerEntry.kind).where(LedgerEntry.kind == "payment"))
        assert len(entries.all()) == 1
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.account_id == account_id))
        counted = Counter(actions.all())
        assert [counted[a] for a in ("ledger.payment", "payment.received", "promise.kept")] == [
            1,
            1,
            1,
        ]
