"""Amounts that make sense: a per-portfolio ceiling everywhere an amount enters, sums that
cannot overflow, overpayment beyond a tolerance only with a supervisor, one link per
instalment."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import BigInteger, func, literal, select, union_all
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from sqlmodel import select as sql_select

from backend.core.sums import exact_sum, joined
from backend.payments.models import PaymentLink
from backend.payments.providers import builtin
from backend.plans.models import PlanInstalment
from shared.schemas.enums import EntryKind, Role
from tests import builders as b
from tests.plans.helpers import days, lima, team

HUGE = "9999999999999999.99"  # 18 digits: used to be accepted and overflow SQLite balances


def _field(client, who, account, amount="150.00", **extra):
    body = {
        "client_id": f"dev-{uuid.uuid4().hex[:12]}",
        "amount": amount,
        "currency": "PEN",
        "method": "cash",
        "receipt_number": f"R-{uuid.uuid4().hex[:8]}",
        "paid_on": days(0).isoformat(),
        **extra,
    }
    return client.post(
        f"/api/v1/accounts/{account.id}/field-payments", headers=b.headers(who), json=body
    )


def _post(client, who, account, amount, kind="payment", **extra):
    body = {
        "kind": kind,
        "amount": amount,
        "currency": "PEN",
        "effective_date": days(0).isoformat(),
        "idempotency_key": uuid.uuid4().hex,
        **extra,
    }
    return client.post(f"/api/v1/accounts/{account.id}/ledger", headers=b.headers(who), json=body)


def test_huge_amounts_are_refused_everywhere(client, session: Session) -> None:
    supervisor, agent = team(session)
    portfolio = lima(session)
    account = b.account(session, portfolio, agent=agent, principal=50_000)
    for _ in range(10):
        refused = _field(client, agent, account, HUGE)
        assert refused.status_code == 422 and refused.json()["code"] == "amount_too_large"
    assert _post(client, supervisor, account, HUGE, "charge").json()["code"] == "amount_too_large"
    promise = client.post(
        f"/api/v1/accounts/{account.id}/promises",
        headers=b.headers(agent),
        json={"amount": HUGE, "currency": "PEN", "due_date": days(2).isoformat()},
    )
    assert promise.status_code == 422 and promise.json()["code"] == "amount_too_large"
    proposal = client.post(
        f"/api/v1/accounts/{account.id}/proposals",
        headers=b.headers(agent),
        json={"kind": "settlement", "settlement_amount": HUGE, "pay_on": days(2).isoformat()},
    )
    assert proposal.status_code == 422 and proposal.json()["code"] == "amount_too_large"
    admin = b.user(session, Role.admin)
    created = client.post(
        "/api/v1/accounts",
        headers=b.headers(admin),
        json={
            "portfolio_id": str(portfolio.id),
            "debtor_id": str(account.debtor_id),
            "external_ref": "HUGE-1",
            "product": "Loan",
            "principal": HUGE,
            "currency": "PEN",
            "due_date": days(-30).isoformat(),
        },
    )
    assert created.status_code == 422 and created.json()["code"] == "amount_too_large"
    session.refresh(account)
    assert account.balance_minor == 50_000 and isinstance(account.balance_minor, int)
    listed = client.get(
        f"/api/v1/accounts?portfolio_id={portfolio.id}", headers=b.headers(supervisor)
    )
    assert listed.status_code == 200 and listed.json()["items"][0]["balance_minor"] == 50_000


def test_the_ceiling_is_per_portfolio_and_covers_balances(client, session: Session) -> None:
    supervisor, agent = team(session)
    portfolio = lima(session, currency="PEN")
    portfolio.max_amount_minor = 100_000
    account = b.account(session, portfolio, agent=agent, principal=60_000)
    assert _field(client, agent, account, "1000.01").json()["code"] == "amount_too_large"
    too_much = _post(client, supervisor, account, "400.01", "charge")
    assert too_much.status_code == 422 and too_much.json()["details"] == {"limit_minor": 100_000}
    assert _post(client, supervisor, account, "400.00", "charge").status_code == 201
    session.refresh(account)
    assert account.balance_minor == 100_000
    english = _post(client, supervisor, account, "0.01", "charge").json()["message"]
    assert "maximum" in english and "100000" in english


def test_portfolio_ceiling_is_configured_by_admins(client, session: Session) -> None:
    admin = b.user(session, Role.admin)
    portfolio = lima(session)
    url = f"/api/v1/portfolios/{portfolio.id}"
    assert client.get(url, headers=b.headers(admin)).json()["max_amount_minor"] is None
    body = {"max_amount_minor": 5_000_000, "overpayment_tolerance_minor": 500}
    changed = client.patch(url, headers=b.headers(admin), json=body).json()
    assert (changed["max_amount_minor"], changed["overpayment_tolerance_minor"]) == (5_000_000, 500)
    beyond = client.patch(url, headers=b.headers(admin), json={"max_amount_minor": 10**15 + 1})
    assert beyond.status_code == 422


def test_overpayment_beyond_tolerance_needs_a_supervisor(client, session: Session) -> None:
    supervisor, agent = team(session)
    portfolio = lima(session)
    portfolio.overpayment_tolerance_minor = 1_000
    account = b.account(session, portfolio, agent=agent, principal=10_000)
    refused = _field(client, agent, account, "110.01")
    assert refused.status_code == 409 and refused.json()["code"] == "overpayment_needs_approval"
    assert refused.json()["details"] == {"balance_minor": 10_000, "tolerance_minor": 1_000}
    assert _field(client, agent, account, "110.01", approve_overpayment=True).status_code == 403
    booked = _field(client, supervisor, account, "110.01", approve_overpayment=True)
    assert booked.status_code == 201, booked.text
    session.refresh(account)
    assert account.balance_minor == -1_001
    within = b.account(session, portfolio, agent=agent, principal=10_000)
    assert _field(client, agent, within, "110.00").status_code == 201


def test_manual_overpayment_needs_explicit_approval(client, session: Session) -> None:
    supervisor, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=10_000)
    refused = _post(client, supervisor, account, "100.01")
    assert refused.status_code == 409 and refused.json()["code"] == "overpayment_needs_approval"
    discount = _post(client, supervisor, account, "100.01", "discount")
    assert discount.status_code == 409
    approved = _post(client, supervisor, account, "100.01", approve_overpayment=True)
    assert approved.status_code == 201, approved.text
    session.refresh(account)
    assert account.balance_minor == -1


def test_provider_money_is_booked_even_beyond_the_balance(
    client, session: Session, builtin_provider
) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=10_000)
    link = client.post(
        f"/api/v1/accounts/{account.id}/payment-links",
        headers=b.headers(agent),
        json={"purpose": "balance"},
    ).json()
    b.ledger_entry(session, account, EntryKind.payment, 5_000)  # paid meanwhile
    client.post(f"/pay/{link['url'].rsplit('/', 1)[-1]}/sandbox")
    session.refresh(account)
    assert account.balance_minor == -5_000


def test_a_second_link_for_an_instalment_reuses_the_first(
    client, session: Session, builtin_provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    offers = client.post(
        f"/api/v1/accounts/{account.id}/offers", headers=b.headers(agent), json={}
    ).json()
    offer = next(o for o in offers if o["kind"] == "lowest_instalment")
    plan = client.post(
        f"/api/v1/offers/{offer['id']}/accept", headers=b.headers(agent), json={}
    ).json()
    row = session.exec(
        sql_select(PlanInstalment).where(PlanInstalment.plan_id == uuid.UUID(plan["id"]))
    ).first()
    assert row is not None
    calls: list[uuid.UUID] = []
    create = builtin.BuiltinProvider.create
    monkeypatch.setattr(
        builtin.BuiltinProvider,
        "create",
        lambda self, link, context: calls.append(link.id) or create(self, link, context),
    )
    url = f"/api/v1/accounts/{account.id}/payment-links"
    body = {"purpose": "instalment", "instalment_id": str(row.id)}
    first = client.post(url, headers=b.headers(agent), json=body)
    second = client.post(
        url, headers=b.headers(agent), json={**body, "client_key": "second-request-1"}
    )
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and len(calls) == 1
    links = session.exec(sql_select(PaymentLink).where(PaymentLink.account_id == account.id))
    assert len(links.all()) == 1


def test_exact_sums_do_not_overflow(session: Session, db_kind: str) -> None:
    big = 2**62  # three of them overflow a 64-bit integer sum
    rows = union_all(
        *(select(literal(x, BigInteger).label("x")) for x in (big, big, big, -5))
    ).subquery()
    high, low = session.execute(select(*exact_sum(rows.c.x))).one()
    assert joined(high, low) == 3 * big - 5
    if db_kind == "sqlite":
        with pytest.raises(DBAPIError, match="overflow"), session.begin_nested():
            session.execute(select(func.sum(rows.c.x))).one()
