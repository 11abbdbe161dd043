"""The ledger's invariants under random sequences of posts, reversals and replays.

Each example gets an account of its own, so examples share the test transaction without
seeing each other's entries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.core.errors import Conflict, CurrencyMismatch, IdempotencyConflict, NotFound
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import CREDIT_KINDS, AccountStatus, EntryKind
from tests import builders as b

PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
POSTABLE = [kind for kind in EntryKind if kind != EntryKind.reversal]
DAY = date(2026, 1, 15)


@dataclass(frozen=True)
class Post:
    kind: EntryKind
    amount: int
    key: int  # drawn from a small pool, so keys are reused (replays and conflicts)


@dataclass(frozen=True)
class Reverse:
    target: int  # index into the entries posted so far
    key: int


@dataclass
class Model:
    """What the ledger should contain, computed independently of the code under test."""

    balance: int
    entries: list[LedgerEntry] = field(default_factory=list)
    by_key: dict[str, LedgerEntry] = field(default_factory=dict)  # posts and reversals share keys
    reversed_ids: set[uuid.UUID] = field(default_factory=set)


operations = st.lists(
    st.one_of(
        st.builds(
            Post,
            kind=st.sampled_from(POSTABLE),
            amount=st.integers(min_value=1, max_value=5_000_000),
            key=st.integers(min_value=0, max_value=12),
        ),
        st.builds(Reverse, target=st.integers(min_value=0, max_value=40), key=st.integers(0, 12)),
    ),
    min_size=1,
    max_size=20,
)


def entries_sum(session: Session, account: Account) -> int:
    query = select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
        LedgerEntry.account_id == account.id
    )
    return int(session.execute(query).scalar_one())


def entry_count(session: Session, account: Account) -> int:
    query = select(func.count()).where(LedgerEntry.account_id == account.id)
    return int(session.execute(query).scalar_one())


def assert_consistent(session: Session, account: Account, model: Model) -> None:
    session.refresh(account)
    assert account.balance_minor == entries_sum(session, account) == model.balance
    assert entry_count(session, account) == len(model.entries) + 1  # + the principal
    expected = AccountStatus.paid if model.balance <= 0 else AccountStatus.active
    assert account.status == expected


def signed(kind: EntryKind, amount: int) -> int:
    return -amount if kind in CREDIT_KINDS else amount


def apply_post(session: Session, account: Account, model: Model, op: Post) -> None:
    key = f"k{op.key}"
    call: dict[str, Any] = {
        "kind": op.kind,
        "amount_minor": op.amount,
        "currency": account.currency,
        "effective_date": DAY,
        "source": "test",
        "idempotency_key": key,
    }
    earlier = model.by_key.get(key)
    if earlier is not None:
        if (earlier.kind, earlier.amount_minor) != (op.kind, signed(op.kind, op.amount)):
            with pytest.raises(IdempotencyConflict):
                ledger.post(session, b.SYSTEM, account.id, **call)
            return
        replay = ledger.post(session, b.SYSTEM, account.id, **call)
        assert (replay.created, replay.entry.id) == (False, earlier.id)
        return
    posted = ledger.post(session, b.SYSTEM, account.id, **call)
    assert posted.created
    assert posted.entry.amount_minor == signed(op.kind, op.amount)
    model.by_key[key] = posted.entry
    model.entries.append(posted.entry)
    model.balance += signed(op.kind, op.amount)


def apply_reverse(session: Session, account: Account, model: Model, op: Reverse) -> None:
    if not model.entries:
        return
    target = model.entries[op.target % len(model.entries)]
    key = f"k{op.key}"

    def reverse() -> ledger.Posted:
        return ledger.reverse(session, b.SYSTEM, target.id, idempotency_key=key, source="test")

    earlier = model.by_key.get(key)
    if earlier is not None:  # a replay, or the key already used for something else
        if earlier.reverses_entry_id == target.id:
            replay = reverse()
            assert (replay.created, replay.entry.id) == (False, earlier.id)
        else:
            with pytest.raises(IdempotencyConflict):
                reverse()
        return
    if target.kind == EntryKind.reversal or target.id in model.reversed_ids:
        with pytest.raises(Conflict):
            reverse()
        return
    posted = reverse()
    entry = posted.entry
    assert posted.created
    assert entry.kind == EntryKind.reversal
    assert entry.amount_minor == -target.amount_minor  # cancels its entry exactly
    assert (entry.reverses_entry_id, entry.currency) == (target.id, target.currency)
    model.by_key[key] = entry
    model.reversed_ids.add(target.id)
    model.entries.append(entry)
    model.balance -= target.amount_minor


@PROPERTY_SETTINGS
@given(principal=st.integers(min_value=1, max_value=10_000_000), ops=operations)
def test_balance_is_the_sum_of_entries_after_every_step(
    session: Session, principal: int, ops: list[Post | Reverse]
) -> None:
    account = b.account(session, principal=principal)
    model = Model(balance=principal)
    assert_consistent(session, account, model)
    for op in ops:
        if isinstance(op, Post):
            apply_post(session, account, model, op)
        else:
            apply_reverse(session, account, model, op)
        assert_consistent(session, account, model)


@PROPERTY_SETTINGS
@given(
    amounts=st.lists(
        st.tuples(st.sampled_from(POSTABLE), st.integers(min_value=1, max_value=10**9)),
        min_size=1,
        max_size=10,
    )
)
def test_reversing_everything_returns_to_the_principal(
    session: Session, amounts: list[tuple[EntryKind, int]]
) -> None:
    account = b.account(session, principal=12_345)
    posted = [
        ledger.post(
            session,
            b.SYSTEM,
            account.id,
            kind=kind,
            amount_minor=amount,
            currency="PEN",
            effective_date=DAY,
            source="test",
            idempotency_key=f"k{i}",
        ).entry
        for i, (kind, amount) in enumerate(amounts)
    ]
    for entry in reversed(posted):
        ledger.reverse(session, b.SYSTEM, entry.id, idempotency_key=f"r-{entry.id}", source="test")
    session.refresh(account)
    assert account.balance_minor == entries_sum(session, account) == 12_345
    assert account.status == AccountStatus.active


def test_reversing_twice_is_a_conflict(session: Session) -> None:
    account = b.account(session, principal=10_000)
    payment = ledger.post(
        session,
        b.SYSTEM,
        account.id,
        kind=EntryKind.payment,
        amount_minor=2_500,
        currency="PEN",
        effective_date=DAY,
        source="test",
        idempotency_key="pay",
    ).entry
    first = ledger.reverse(session, b.SYSTEM, payment.id, idempotency_key="undo", source="t")
    replay = ledger.reverse(session, b.SYSTEM, payment.id, idempotency_key="undo", source="t")
    assert replay.entry.id == first.entry.id and not replay.created
    with pytest.raises(Conflict) as twice:
        ledger.reverse(session, b.SYSTEM, payment.id, idempotency_key="undo-2", source="t")
    assert twice.value.message_key == "error.already_reversed"
    with pytest.raises(Conflict) as of_reversal:
        ledger.reverse(session, b.SYSTEM, first.entry.id, idempotency_key="undo-3", source="t")
    assert of_reversal.value.message_key == "error.cannot_reverse_reversal"
    session.refresh(account)
    assert account.balance_minor == entries_sum(session, account) == 10_000
    assert entry_count(session, account) == 3


def test_same_key_replays_without_a_new_row_or_audit_event(session: Session) -> None:
    account = b.account(session, principal=10_000)
    call: dict[str, Any] = {
        "kind": EntryKind.fee,
        "amount_minor": 990,
        "currency": "PEN",
        "effective_date": DAY,
        "source": "test",
        "idempotency_key": "fee-1",
    }
    first = ledger.post(session, b.SYSTEM, account.id, **call)
    events = session.execute(
        select(func.count()).where(AuditEvent.account_id == account.id)
    ).scalar_one()
    again = ledger.post(session, b.SYSTEM, account.id, **call)
    assert (first.created, again.created, again.entry.id) == (True, False, first.entry.id)
    assert entry_count(session, account) == 2
    assert (
        session.execute(
            select(func.count()).where(AuditEvent.account_id == account.id)
        ).scalar_one()
    ) == events
    with pytest.raises(IdempotencyConflict):
        ledger.post(session, b.SYSTEM, account.id, **{**call, "amount_minor": 991})
    session.refresh(account)
    assert account.balance_minor == 10_990


def test_the_same_key_on_another_account_is_independent(session: Session) -> None:
    one, two = b.account(session, principal=100), b.account(session, principal=100)
    for account in (one, two):
        posted = ledger.post(
            session,
            b.SYSTEM,
            account.id,
            kind=EntryKind.charge,
            amount_minor=50,
            currency="PEN",
            effective_date=DAY,
            source="test",
            idempotency_key="shared-key",
        )
        assert posted.created


def test_post_rejects_wrong_currency_missing_account_and_bad_amounts(session: Session) -> None:
    account = b.account(session, principal=100)
    call: dict[str, Any] = {
        "kind": EntryKind.payment,
        "amount_minor": 10,
        "currency": "PEN",
        "effective_date": DAY,
        "source": "test",
        "idempotency_key": "k",
    }
    with pytest.raises(CurrencyMismatch):
        ledger.post(session, b.SYSTEM, account.id, **{**call, "currency": "USD"})
    with pytest.raises(NotFound):
        ledger.post(session, b.SYSTEM, uuid.uuid4(), **call)
    for amount in (0, -5):
        with pytest.raises(ValueError):
            ledger.post(session, b.SYSTEM, account.id, **{**call, "amount_minor": amount})
    with pytest.raises(ValueError):
        ledger.post(session, b.SYSTEM, account.id, **{**call, "kind": EntryKind.reversal})
    with pytest.raises(NotFound):
        ledger.reverse(session, b.SYSTEM, uuid.uuid4(), idempotency_key="r", source="t")
    session.refresh(account)
    assert account.balance_minor == entries_sum(session, account) == 100
