"""Conflicts are answered explicitly; refused actions write nothing and spare the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from backend.field.models import SyncRecord, Visit
from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment
from backend.promises.models import Promise
from shared.schemas.enums import AccountStatus, Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima, pay


def _n(session: Session, model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_account_paid_online_while_the_agent_was_offline(session: Session, client) -> None:
    """The visit is kept and flagged; promise and payment are not booked; the app gets the
    account's state to show the agent."""
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    offline = datetime.now(UTC) - timedelta(hours=2)
    outbox = [
        h.visit(account, h.north(100), when=offline, outcome="promise"),
        h.promise(account, "500.00"),
        h.payment(account, "200.00", "R-7"),
    ]
    pay(session, account, 100_000, "online-link-payment")  # meanwhile, online
    entries = _n(session, LedgerEntry, LedgerEntry.account_id == account.id)

    body = h.sync(client, agent, outbox, lang="es")

    assert h.statuses(body) == [("conflict", "account_paid")] * 3
    visit_result, promise_result, payment_result = body["results"]
    assert visit_result["entity_id"] is not None
    visit = session.get(Visit, h.uuid.UUID(visit_result["entity_id"]))
    assert visit is not None and visit.checked_in_at == offline
    assert promise_result["entity_id"] is None and payment_result["entity_id"] is None
    state = visit_result["server_state"]
    assert state["status"] == "paid" and state["balance_minor"] == 0
    assert state["assigned_to_you"] is True
    assert visit_result["message"] == "La cuenta ya está pagada."
    assert _n(session, Promise, Promise.account_id == account.id) == 0
    assert _n(session, Payment, Payment.account_id == account.id) == 0
    assert _n(session, LedgerEntry, LedgerEntry.account_id == account.id) == entries

    again = h.sync(client, agent, outbox)
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    assert [r["original_status"] for r in again["results"]] == ["conflict"] * 3
    assert again["results"][0]["server_state"]["status"] == "paid"
    assert _n(session, Visit, Visit.account_id == account.id) == 1


def test_a_paid_visit_after_the_agents_own_payment_agrees(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))

    body = h.sync(
        client,
        agent,
        [h.payment(account, "1000.00", "R-9"), h.visit(account, h.north(100), outcome="paid")],
    )

    assert h.statuses(body) == [("applied", None), ("applied", None)]
    session.refresh(account)
    assert account.status == AccountStatus.paid


def test_written_off_account(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    account.status = AccountStatus.written_off
    session.add(account)
    session.flush()

    body = h.sync(client, agent, [h.visit(account), h.payment(account, "10.00", "R-1")])

    assert h.statuses(body) == [("conflict", "account_closed")] * 2
    assert body["results"][0]["entity_id"] is not None


def test_overpayment_within_tolerance_is_booked_and_flagged(session: Session, client) -> None:
    portfolio = lima(session)
    portfolio.overpayment_tolerance_minor = 10_000
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    pay(session, account, 90_000, "online-partial")

    body = h.sync(client, agent, [h.payment(account, "200.00", "R-2")])

    assert h.statuses(body) == [("conflict", "overpayment")]
    result = body["results"][0]
    assert result["entity_id"] is not None
    details = result["details"]
    assert (details["balance_minor"], details["amount_minor"]) == (10_000, 20_000)
    assert details["receipt_url"].endswith(f"/receipts/{details['receipt_code']}")  # booked
    assert result["server_state"]["balance_minor"] == -10_000


def test_overpayment_beyond_tolerance_is_a_conflict_unbooked(session: Session, client) -> None:
    portfolio = lima(session)
    portfolio.overpayment_tolerance_minor = 9_999
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    pay(session, account, 90_000, "online-partial")

    body = h.sync(client, agent, [h.payment(account, "200.00", "R-2")])

    assert h.statuses(body) == [("conflict", "overpayment_needs_approval")]
    session.refresh(account)
    assert account.balance_minor == 10_000


def test_receipt_number_used_twice(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))

    body = h.sync(
        client, agent, [h.payment(account, "10.00", "R-5"), h.payment(account, "20.00", "R-5")]
    )

    assert h.statuses(body) == [("applied", None), ("conflict", "receipt_number_used")]
    assert body["results"][1]["entity_id"] is None
    assert _n(session, Payment, Payment.account_id == account.id) == 1


def test_not_your_account(session: Session, client) -> None:
    portfolio = lima(session)
    supervisor, agent = h.team(session)
    other = b.user(session, Role.agent, supervisor=supervisor)
    account = h.located_account(session, portfolio, agent, h.north(100))
    outbox = [h.visit(account, h.north(100)), h.payment(account, "50.00", "R-3")]
    account.assigned_agent_id = other.id  # reassigned while the phone was offline
    session.add(account)
    session.flush()
    unknown = h.action("note", {"text": "x"})
    unknown["account_id"] = str(h.uuid.uuid4())
    no_account = h.action("visit", {"outcome": "other"})

    body = h.sync(client, agent, [*outbox, unknown, no_account])

    assert h.statuses(body) == [("rejected", "not_your_account")] * 4
    assert all(r["server_state"] is None for r in body["results"])
    assert _n(session, Visit, Visit.account_id == account.id) == 0
    assert _n(session, Payment, Payment.account_id == account.id) == 0
    assert _n(session, SyncRecord, SyncRecord.agent_id == agent.id) == 4


def test_bad_payloads_are_rejected_without_touching_the_others(
    session: Session, client, db_kind: str
) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    bad_amount = h.promise(account, "abc")
    too_precise = h.payment(account, "10.001", "R-10")
    wrong_currency = h.payment(account, "10.00", "R-11", currency="USD")
    bad_outcome = h.visit(account, outcome="sleeping")
    bad_point = h.action(
        "location", {"points": [{"recorded_at": "2030-01-01T10:00:00", "latitude": 95}]}
    )
    too_far = h.promise(account, "10.00", days_ahead=400)
    nul = h.action("note", {"text": "a\x00b"}, account)

    body = h.sync(
        client,
        agent,
        [
            h.visit(account, h.north(100)),
            bad_amount,
            too_precise,
            wrong_currency,
            bad_outcome,
            bad_point,
            too_far,
            nul,
            h.payment(account, "10.00", "R-12"),
        ],
    )

    codes = h.statuses(body)
    assert codes[0] == ("applied", None) and codes[-1] == ("applied", None)
    assert codes[1:6] == [
        ("rejected", "validation_error"),
        ("rejected", "amount_precision"),
        ("rejected", "currency_mismatch"),
        ("rejected", "validation_error"),
        ("rejected", "validation_error"),
    ]
    assert codes[6] == ("rejected", "promise_date")
    nul_answer = ("rejected", "validation_error") if db_kind == "postgresql" else ("applied", None)
    assert codes[7] == nul_answer  # PostgreSQL text cannot hold NUL
    assert body["results"][1]["details"]["errors"][0]["loc"] == ["amount"]
    assert all(r["message"] for r in body["results"][1:7])
    session.refresh(account)
    assert account.balance_minor == 99_000
    assert _n(session, Payment, Payment.account_id == account.id) == 1
    assert _n(session, Promise, Promise.account_id == account.id) == 0
    assert _n(session, Visit, Visit.account_id == account.id) == 1
