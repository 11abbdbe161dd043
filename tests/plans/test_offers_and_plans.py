"""Offers, acceptance and plans through the API, as an agent would use them."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.core.clock import pinned, utcnow
from backend.ledger.models import LedgerEntry
from backend.plans.models import Offer, Plan
from tests import builders as b
from tests.plans.helpers import days, lima, pay, team, today


def _offers(client, who, account_id, channel="agent"):
    response = client.post(
        f"/api/v1/accounts/{account_id}/offers", headers=b.headers(who), json={"channel": channel}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_offers_are_concrete_and_sum_exactly(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=100_001, days_past_due=50)
    offers = _offers(client, agent, account.id)
    kinds = [o["kind"] for o in offers]
    assert kinds[0] == "settlement" and "fewest_instalments" in kinds
    for offer in offers:
        assert sum(i["amount_minor"] for i in offer["instalments"]) == offer["total_minor"]
        assert offer["balance_minor"] == 100_001
    settlement = offers[0]
    assert settlement["discount_minor"] <= 100_001 * 2000 // 10_000


def test_accept_creates_plan_and_second_accept_is_409(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    offer = next(o for o in _offers(client, agent, account.id) if o["plan_kind"] == "instalments")
    url = f"/api/v1/offers/{offer['id']}/accept"
    accepted = client.post(url, headers=b.headers(agent), json={"channel": "agent"})
    assert accepted.status_code == 201, accepted.text
    plan = accepted.json()
    assert plan["status"] == "active" and plan["channel"] == "agent"
    assert sum(i["amount_minor"] for i in plan["instalments"]) == plan["total_minor"]
    session.refresh(account)
    assert account.status == "in_plan"
    again = client.post(url, headers=b.headers(agent), json={"channel": "agent"})
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert again.json()["message"] == "The offer was already accepted."
    assert len(session.exec(select(Plan).where(Plan.account_id == account.id)).all()) == 1
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == plan["id"])).all()
    assert [e.action for e in events] == ["plan.accepted"]
    assert events[0].after["channel"] == "agent"


def test_expired_superseded_and_stale_offers_are_refused(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=80_000)
    first = _offers(client, agent, account.id)
    second = _offers(client, agent, account.id)
    superseded = client.post(
        f"/api/v1/offers/{first[0]['id']}/accept", headers=b.headers(agent), json={}
    )
    assert superseded.status_code == 409 and "replaced" in superseded.json()["message"]

    expired = session.get(Offer, uuid.UUID(second[0]["id"]))
    expired.expires_at = utcnow() - timedelta(minutes=1)
    session.add(expired)
    session.flush()
    late = client.post(f"/api/v1/offers/{expired.id}/accept", headers=b.headers(agent), json={})
    assert late.status_code == 409 and "expired" in late.json()["message"]

    pay(session, account, 1_000, "partial")
    stale = client.post(
        f"/api/v1/offers/{second[1]['id']}/accept", headers=b.headers(agent), json={}
    )
    assert stale.status_code == 409 and "balance changed" in stale.json()["message"]
    assert session.exec(select(Plan).where(Plan.account_id == account.id)).first() is None


def test_payments_go_to_oldest_instalment_and_roll_forward(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    offer = next(o for o in _offers(client, agent, account.id) if o["kind"] == "fewest_instalments")
    plan = client.post(
        f"/api/v1/offers/{offer['id']}/accept", headers=b.headers(agent), json={}
    ).json()
    first, second = plan["instalments"][0]["amount_minor"], plan["instalments"][1]["amount_minor"]
    pay(session, account, first + 100, "p1")
    detail = client.get(f"/api/v1/plans/{plan['id']}", headers=b.headers(agent)).json()
    assert [i["status"] for i in detail["instalments"][:2]] == ["paid", "partial"]
    assert detail["instalments"][1]["paid_minor"] == 100
    assert detail["next_due"]["number"] == detail["instalments"][1]["number"]
    pay(session, account, plan["total_minor"] - first - 100, "p2")
    done = client.get(f"/api/v1/plans/{plan['id']}", headers=b.headers(agent)).json()
    assert done["status"] == "completed" and done["paid_minor"] == plan["total_minor"]
    session.refresh(account)
    assert account.status == "paid" and account.balance_minor == 0
    assert second > 0


def test_settlement_paid_books_discount_and_closes_account(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=100_000)
    settlement = _offers(client, agent, account.id)[0]
    client.post(f"/api/v1/offers/{settlement['id']}/accept", headers=b.headers(agent), json={})
    pay(session, account, settlement["total_minor"], "settle")
    session.refresh(account)
    assert account.balance_minor == 0 and account.status == "paid"
    discount = session.exec(
        select(LedgerEntry).where(
            LedgerEntry.account_id == account.id, LedgerEntry.kind == "discount"
        )
    ).one()
    assert -discount.amount_minor == settlement["discount_minor"] > 0


def test_reversed_payment_reopens_instalment(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    offer = next(o for o in _offers(client, agent, account.id) if o["kind"] == "fewest_instalments")
    plan = client.post(
        f"/api/v1/offers/{offer['id']}/accept", headers=b.headers(agent), json={}
    ).json()
    pay(session, account, plan["instalments"][0]["amount_minor"], "p1")
    entry = session.exec(select(LedgerEntry).where(LedgerEntry.idempotency_key == "p1")).one()
    admin = b.user(session, b.Role.admin)
    client.post(
        f"/api/v1/ledger/{entry.id}/reverse",
        headers=b.headers(admin),
        json={"idempotency_key": "r1"},
    )
    detail = client.get(f"/api/v1/plans/{plan['id']}", headers=b.headers(agent)).json()
    assert detail["instalments"][0]["status"] == "pending" and detail["paid_minor"] == 0


def test_cancel_plan_restores_account(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(
        session, lima(session, monthly_interest_rate="0.02"), agent=agent, principal=60_000
    )
    offer = next(o for o in _offers(client, agent, account.id) if o["kind"] == "fewest_instalments")
    plan = client.post(
        f"/api/v1/offers/{offer['id']}/accept", headers=b.headers(agent), json={}
    ).json()
    session.refresh(account)
    assert account.balance_minor == plan["total_minor"]  # plan interest is booked
    cancelled = client.post(
        f"/api/v1/plans/{plan['id']}/cancel",
        headers=b.headers(agent),
        json={"reason": "cambió de opinión"},
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    session.refresh(account)
    assert account.status == "active" and account.balance_minor == 60_000
    again = client.post(
        f"/api/v1/plans/{plan['id']}/cancel", headers=b.headers(agent), json={"reason": "x"}
    )
    assert again.status_code == 409


def test_self_service_negotiations_are_limited(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    for _ in range(2):
        _offers(client, agent, account.id, channel="whatsapp")
    third = client.post(
        f"/api/v1/accounts/{account.id}/offers",
        headers=b.headers(agent, "es"),
        json={"channel": "whatsapp"},
    )
    assert third.status_code == 409
    assert third.json()["message"] == "Se alcanzó el máximo de negociaciones en este periodo."
    _offers(client, agent, account.id, channel="agent")  # agents are not limited


def test_the_limit_counts_an_evenings_negotiations_in_the_portfolios_day(
    client, session: Session
) -> None:
    """At 20:30 in Lima it is already tomorrow in UTC: the negotiations opened then count in
    the window of the portfolio's today, as the ones opened in the morning do."""
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    url, headers = f"/api/v1/accounts/{account.id}/offers", b.headers(agent)  # a real token
    evening = datetime.combine(today(), time(20, 30), ZoneInfo("America/Lima"))
    with pinned(evening):
        answers = [
            client.post(url, headers=headers, json={"channel": "telegram"}).status_code
            for _ in range(3)
        ]
    assert answers == [201, 201, 409]


def test_other_agents_cannot_negotiate(client, session: Session) -> None:
    _, agent = team(session)
    _, other = team(session)
    account = b.account(session, lima(session), agent=agent)
    response = client.post(
        f"/api/v1/accounts/{account.id}/offers", headers=b.headers(other), json={}
    )
    assert response.status_code == 404
    assert session.exec(select(Offer).where(Offer.account_id == account.id)).first() is None


def test_first_due_within_policy(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    for offer in _offers(client, agent, account.id):
        assert offer["instalments"][0]["due_date"] <= days(10).isoformat()
    assert isinstance(session.get(Account, account.id), Account)
