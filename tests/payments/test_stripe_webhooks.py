"""Stripe through the real library: links, signed webhooks, exactly-once reconciliation."""

from __future__ import annotations

import json
import time
import uuid

from sqlalchemy import func
from sqlmodel import Session, select

from backend.ledger.models import LedgerEntry
from backend.payments.models import Payment, PaymentLink, ProviderEvent
from tests import builders as b
from tests.payments.conftest import SECRET
from tests.payments.stripe_stub import checkout_event, refund_event, sign
from tests.plans.helpers import lima, team

WEBHOOK = "/api/v1/payments/webhooks/stripe"


def _link(client, who, account, purpose="balance", **extra) -> dict:
    response = client.post(
        f"/api/v1/accounts/{account.id}/payment-links",
        headers=b.headers(who),
        json={"purpose": purpose, **extra},
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def _deliver(client, event: dict, secret: str = SECRET, timestamp: int | None = None):
    payload = json.dumps(event).encode()
    return client.post(
        WEBHOOK,
        content=payload,
        headers={
            "Stripe-Signature": sign(payload, secret, timestamp),
            "Content-Type": "application/json",
        },
    )


def _count(session: Session, model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_link_creates_a_checkout_session_with_idempotency_key(client, session, stripe_stub) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=123_450)
    link = _link(client, agent, account, client_key="bot-msg-0001")
    assert link["provider"] == "stripe" and link["url"].startswith("https://checkout.stripe.test/")
    sent = stripe_stub.requests[-1]
    assert sent["idempotency_key"] == f"cobro-link-{link['id']}"
    assert sent["fields"]["line_items[0][price_data][unit_amount]"] == "123450"
    assert sent["fields"]["line_items[0][price_data][currency]"] == "pen"
    assert sent["fields"]["metadata[link_id]"] == link["id"]
    assert sent["authorization"] == "Bearer sk_test_local"
    again = _link(client, agent, account, client_key="bot-msg-0001")
    assert again["id"] == link["id"] and len(stripe_stub.requests) == 1


def test_clp_is_zero_decimal_at_stripe(client, session, stripe_stub) -> None:
    _, agent = team(session)
    chile = b.portfolio(session, currency="CLP", country="CL", tz="America/Santiago")
    account = b.account(session, chile, agent=agent, principal=45_990)
    _link(client, agent, account)
    assert stripe_stub.requests[-1]["fields"]["line_items[0][price_data][unit_amount]"] == "45990"


def test_forged_stale_and_unsigned_webhooks_are_rejected(client, session, stripe_stub) -> None:
    event = {"id": "evt_forged", "type": "checkout.session.completed", "data": {"object": {}}}
    forged = _deliver(client, event, secret="whsec_wrong")
    stale = _deliver(client, event, timestamp=int(time.time()) - 3600)
    unsigned = client.post(WEBHOOK, content=json.dumps(event).encode())
    for response in (forged, stale, unsigned):
        assert response.status_code == 400 and response.json()["code"] == "invalid_signature"
    assert _count(session, ProviderEvent) == 0


def test_signed_bodies_that_are_not_events_are_refused(client, session, stripe_stub) -> None:
    thin = {"id": "evt_thin", "object": "v2.core.event", "type": "v1.billing.meter.no_meter"}
    bodies = [b"not json", b"[1, 2]", json.dumps({"type": "x"}).encode(), json.dumps(thin).encode()]
    for payload in bodies:
        response = client.post(
            WEBHOOK,
            content=payload,
            headers={"Stripe-Signature": sign(payload, SECRET)},
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_signature"
    assert _count(session, ProviderEvent) == 0


def test_completed_twice_books_one_payment(client, session, stripe_stub) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    link = _link(client, agent, account)
    stub_session = stripe_stub.by_key[f"cobro-link-{link['id']}"]
    event = checkout_event("evt_1", stub_session, link["id"])
    assert _deliver(client, event).json()["outcome"] == "processed"
    assert _deliver(client, event).json()["outcome"] == "duplicate"
    again = checkout_event("evt_1_retry_other_id", stub_session, link["id"])
    assert _deliver(client, again).json()["outcome"] == "already_recorded"
    payments = session.exec(select(Payment).where(Payment.account_id == account.id)).all()
    assert len(payments) == 1
    session.refresh(account)
    assert account.balance_minor == 0 and account.status == "paid"
    assert session.get(PaymentLink, uuid.UUID(link["id"])).status == "paid"


def test_out_of_order_expiry_and_async_success(client, session, stripe_stub) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    link = _link(client, agent, account)
    stub_session = stripe_stub.by_key[f"cobro-link-{link['id']}"]
    pending = checkout_event("evt_a", stub_session, link["id"], paid=False)
    assert _deliver(client, pending).json()["outcome"] == "awaiting_payment"
    expired = checkout_event("evt_b", stub_session, link["id"], kind="expired", paid=False)
    assert _deliver(client, expired).json()["outcome"] == "processed"
    late = checkout_event("evt_c", stub_session, link["id"], kind="async_payment_succeeded")
    assert _deliver(client, late).json()["outcome"] == "processed"  # money arrived: book it
    assert session.get(PaymentLink, uuid.UUID(link["id"])).status == "paid"
    assert (
        _deliver(client, checkout_event("evt_d", stub_session, link["id"], kind="expired")).json()[
            "outcome"
        ]
        == "ignored"
    )
    assert _count(session, Payment, Payment.account_id == account.id) == 1


def test_refunds_are_reversals_even_before_the_payment_arrives(
    client, session, stripe_stub
) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    link = _link(client, agent, account)
    stub_session = stripe_stub.by_key[f"cobro-link-{link['id']}"]
    assert _deliver(client, refund_event("evt_r1", "pi_x", 20_000)).json()["outcome"] == "deferred"
    paid = checkout_event("evt_p", stub_session, link["id"], payment_intent="pi_x")
    _deliver(client, paid)
    session.refresh(account)
    assert account.balance_minor == 20_000  # 50,000 paid, 20,000 of it refunded
    assert _deliver(client, refund_event("evt_r2", "pi_x", 50_000)).json()["outcome"] == "processed"
    assert _deliver(client, refund_event("evt_r1b", "pi_x", 20_000)).json()["outcome"] == "ignored"
    session.refresh(account)
    assert account.balance_minor == 50_000 and account.status == "active"
    entries = session.exec(select(LedgerEntry).where(LedgerEntry.account_id == account.id)).all()
    assert sum(e.amount_minor for e in entries) == 50_000
    assert {e.kind for e in entries} == {"charge", "payment", "reversal"}


def test_underpayment_is_booked_and_visible(client, session, stripe_stub) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    link = _link(client, agent, account)
    stub_session = {**stripe_stub.by_key[f"cobro-link-{link['id']}"], "amount_total": 30_000}
    assert _deliver(client, checkout_event("evt_u", stub_session, link["id"])).status_code == 200
    listed = client.get(f"/api/v1/accounts/{account.id}/payments", headers=b.headers(agent))
    [payment] = listed.json()["items"]
    assert (payment["amount_minor"], payment["expected_minor"]) == (30_000, 50_000)
    session.refresh(account)
    assert account.balance_minor == 20_000 and account.status == "active"
