"""``payments.record_payments`` (bulk) books exactly what ``record_payment`` does one by one:
the same ledger entries, balances and statuses, payments, instalment allocations, promises and
audit events; replays return the first payment; and a chunk costs a constant number of
statements however many plain payments it holds."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.errors import Conflict, IdempotencyConflict
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment
from backend.payments.service import IncomingPayment
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from shared.schemas.enums import PaymentMethod, PlanKind
from tests import builders as b
from tests.payments.test_booking_statements import counted
from tests.plans.helpers import days, lima, team

VOLATILE = {"id", "at", "created_at", "updated_at", "resolved_at", "closed_at", "paid_at"}


def _plan(session: Session, account: Account, discount: int = 0) -> None:
    plan = Plan(
        account_id=account.id,
        kind=PlanKind.settlement if discount else PlanKind.instalments,
        currency="PEN",
        balance_at_agreement_minor=60_000,
        total_minor=60_000 - discount,
        discount_minor=discount,
        created_at=utcnow() - timedelta(minutes=1),
    )
    session.add(plan)
    session.flush()
    amount = (60_000 - discount) // 3
    session.add_all(
        PlanInstalment(plan_id=plan.id, number=n, due_date=days(30 * n), amount_minor=amount)
        for n in (1, 2, 3)
    )


def _accounts(session: Session) -> list[Account]:
    """Eight accounts: plain ones (one paid off, one paid twice), one with a plan, one with an
    open promise, one with a plan and a promise, one with a settlement plan that grants a
    discount once paid."""
    _, agent = team(session)
    portfolio = lima(session)
    rows = [b.account(session, portfolio, agent=agent, principal=p) for p in (50_000,) * 4]
    with_plan = b.account(session, portfolio, agent=agent, principal=60_000)
    _plan(session, with_plan)
    with_promise = b.account(session, portfolio, agent=agent, principal=60_000)
    session.add(
        Promise(
            account_id=with_promise.id,
            amount_minor=25_000,
            currency="PEN",
            due_date=days(3),
            channel="api",
            recorded_by_kind="agent",
        )
    )
    both = b.account(session, portfolio, agent=agent, principal=60_000)
    _plan(session, both)
    session.add(
        Promise(
            account_id=both.id,
            amount_minor=30_000,
            currency="PEN",
            due_date=days(3),
            channel="api",
            recorded_by_kind="agent",
        )
    )
    settlement = b.account(session, portfolio, agent=agent, principal=60_000)
    _plan(session, settlement, discount=6_000)
    session.flush()
    return [*rows, with_plan, with_promise, both, settlement]


def _script(accounts: list[Account], tag: str) -> list[tuple[uuid.UUID, IncomingPayment]]:
    def pay(index: int, amount: int, key: str, **kw: Any) -> tuple[uuid.UUID, IncomingPayment]:
        incoming = IncomingPayment(
            amount_minor=amount,
            currency="PEN",
            paid_on=days(0),
            method=PaymentMethod.bank_statement,
            external_id=f"statement:{tag}:{key}",
            details={"line_no": key},
            **kw,
        )
        return accounts[index].id, incoming

    return [
        pay(0, 10_000, "a"),
        pay(1, 50_000, "b"),  # pays it off: the account closes as paid
        pay(2, 20_000, "c"),
        pay(2, 30_000, "d"),  # the same account again, in the same chunk: paid off too
        pay(4, 30_000, "e"),  # the plan: the first instalment and half the second
        pay(5, 10_000, "f"),  # the promise: not yet kept
        pay(6, 15_000, "h"),  # plan and promise: the first instalment in part
        pay(4, 30_000, "i"),  # the rest of the plan: completed
        pay(5, 15_000, "j"),  # with the earlier 10,000: the promise is kept
        pay(6, 15_000, "k"),  # 30,000 since the promise: kept; instalment 1 paid
        pay(7, 18_000, "l"),  # the settlement plan, one instalment
        pay(7, 36_000, "m"),  # the rest: completed, the discount posted
        pay(0, 10_000, "a"),  # a replay: the first payment, nothing booked
        pay(3, 70_000, "g"),  # overpaid: the balance goes below zero
    ]


def _state(session: Session, accounts: list[Account]) -> dict[str, Any]:
    """Everything booked on the accounts, with ids replaced by the account's position."""
    index = {a.id: i for i, a in enumerate(accounts)}
    session.expire_all()

    def plain(values: dict[str, Any] | None) -> Any:
        if values is None:
            return None
        return {
            k: v
            for k, v in values.items()
            if k not in VOLATILE
            and not k.endswith("_id")
            and k not in ("verification_code", "external_id", "idempotency_key", "description")
        }

    ids = list(index)
    state: dict[str, Any] = {
        "accounts": sorted(
            (index[a.id], a.balance_minor, a.status.value)
            for a in session.exec(select(Account).where(Account.id.in_(ids)))
        ),
        "entries": sorted(
            (index[e.account_id], e.kind.value, e.amount_minor, e.source)
            for e in session.exec(select(LedgerEntry).where(LedgerEntry.account_id.in_(ids)))
        ),
        "payments": sorted(
            (index[p.account_id], p.amount_minor, p.method.value, bool(p.verification_code))
            for p in session.exec(select(Payment).where(Payment.account_id.in_(ids)))
        ),
        "instalments": sorted(
            (r.number, r.paid_minor, r.status.value)
            for r in session.exec(
                select(PlanInstalment)
                .join(Plan, Plan.id == PlanInstalment.plan_id)
                .where(Plan.account_id.in_(ids))
            )
        ),
        "promises": sorted(
            (index[p.account_id], p.status.value, p.paid_minor)
            for p in session.exec(select(Promise).where(Promise.account_id.in_(ids)))
        ),
        "audit": sorted(
            (
                index[e.account_id],
                e.action,
                e.entity_type,
                repr(plain(e.before)),
                repr(plain(e.after)),
            )
            for e in session.exec(select(AuditEvent).where(AuditEvent.account_id.in_(ids)))
        ),
    }
    return state


def test_bulk_booking_equals_booking_one_by_one(session: Session) -> None:
    actor = Actor("system")
    one_by_one, in_bulk = _accounts(session), _accounts(session)

    singles = [
        payments.record_payment(session, actor, account_id, incoming)
        for account_id, incoming in _script(one_by_one, "single")
    ]
    session.flush()
    bulk = payments.record_payments(session, actor, _script(in_bulk, "bulk"))
    session.flush()

    assert [created for _, created in bulk] == [created for _, created in singles]
    assert bulk[12][0].id == bulk[0][0].id  # the replay answers with the first payment
    expected = _state(session, one_by_one)
    assert _state(session, in_bulk) == expected
    actions = [event[1] for event in expected["audit"]]
    assert actions.count("payment.received") == 13
    assert actions.count("account.status_changed") == 5  # b, d, g, i, m paid it off
    assert actions.count("promise.kept") == 2 and actions.count("plan.completed") == 2
    assert "ledger.discount" in actions


def test_bulk_booking_replays_what_is_already_booked(session: Session) -> None:
    actor = Actor("system")
    accounts = _accounts(session)
    script = _script(accounts, "again")
    first = payments.record_payments(session, actor, script)
    before = _state(session, accounts)

    again = payments.record_payments(session, actor, script)

    assert [created for _, created in again] == [False] * len(script)
    assert [p.id for p, _ in again] == [p.id for p, _ in first]
    assert _state(session, accounts) == before


def test_bulk_booking_refuses_an_id_reused_for_other_money(session: Session) -> None:
    actor = Actor("system")
    accounts = _accounts(session)
    (account_id, incoming), *_ = _script(accounts, "conflict")
    payments.record_payments(session, actor, [(account_id, incoming)])
    changed = dataclasses.replace(incoming, amount_minor=incoming.amount_minor + 1)
    with pytest.raises(IdempotencyConflict):
        payments.record_payments(session, actor, [(account_id, changed)])


@pytest.mark.parametrize("count", [10, 200])
def test_plain_payments_cost_a_constant_number_of_statements(session: Session, count: int) -> None:
    _, agent = team(session)
    portfolio = lima(session)
    accounts = [b.account(session, portfolio, agent=agent, principal=50_000) for _ in range(20)]
    script = [
        (
            accounts[i % len(accounts)].id,
            IncomingPayment(
                amount_minor=100,
                currency="PEN",
                paid_on=days(0),
                method=PaymentMethod.bank_statement,
                external_id=f"statement:count:{count}:{i}",
            ),
        )
        for i in range(count)
    ]
    session.expire_all()

    with counted(session) as statements:
        booked = payments.record_payments(session, Actor("system"), script)

    assert all(created for _, created in booked)
    # lock, the portfolio (the session no longer holds it), booked ids (external), entries,
    # balances, payments, audit
    assert len(statements) <= 7, "\n".join(statements)


def _cash(account: Account, agent_id: uuid.UUID, receipt: str, amount: int = 1_000):
    incoming = IncomingPayment(
        amount_minor=amount,
        currency="PEN",
        paid_on=days(0),
        method=PaymentMethod.cash,
        client_id=f"dev-{uuid.uuid4().hex[:12]}",
        agent_id=agent_id,
        receipt_number=receipt,
    )
    return account.id, incoming


def test_receipt_numbers_are_checked_in_bulk(session: Session) -> None:
    _, agent = team(session)
    accounts = [b.account(session, lima(session), agent=agent, principal=50_000) for _ in range(3)]
    actor = Actor("user", agent.id)
    payments.record_payment(session, actor, *_cash(accounts[0], agent.id, "R-1"))

    booked = payments.record_payments(
        session, actor, [_cash(accounts[1], agent.id, "R-2"), _cash(accounts[2], agent.id, "R-3")]
    )

    assert [created for _, created in booked] == [True, True]
    assert all(payment.verification_code for payment, _ in booked)
    for script in (
        [_cash(accounts[1], agent.id, "R-1")],  # used before
        [_cash(accounts[1], agent.id, "R-4"), _cash(accounts[2], agent.id, "R-4")],  # twice
    ):
        with pytest.raises(Conflict) as refused:
            payments.record_payments(session, actor, script)
        assert refused.value.message_key == "error.receipt_number_used"


@pytest.mark.parametrize("count", [10, 100])
def test_plans_and_promises_cost_a_constant_number_of_statements(
    session: Session, count: int
) -> None:
    _, agent = team(session)
    portfolio = lima(session)
    accounts = [b.account(session, portfolio, agent=agent, principal=60_000) for _ in range(10)]
    for account in accounts[:5]:
        _plan(session, account)
    for account in accounts[5:]:
        session.add(
            Promise(
                account_id=account.id,
                amount_minor=500,
                currency="PEN",
                due_date=days(3),
                channel="api",
                recorded_by_kind="agent",
            )
        )
    script = [
        (
            accounts[i % len(accounts)].id,
            IncomingPayment(
                amount_minor=100,
                currency="PEN",
                paid_on=days(0),
                method=PaymentMethod.bank_statement,
                external_id=f"statement:mixed:{count}:{i}",
            ),
        )
        for i in range(count)
    ]
    session.flush()
    session.expire_all()

    with counted(session) as statements:
        booked = payments.record_payments(session, Actor("system"), script)
        session.flush()  # the instalments and promises changed

    assert all(created for _, created in booked)
    kept = session.exec(select(Promise).where(Promise.status == "kept")).all()
    assert len(kept) == (5 if count == 100 else 0)  # 500.00 in payments of 100.00
    # lock, the portfolio, plans and promises, booked ids, entries, balances, payments, audit;
    # then the instalments, promises and their audit events
    assert len(statements) <= 11, "\n".join(statements)
