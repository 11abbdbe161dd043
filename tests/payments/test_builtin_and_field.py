"""The built-in provider's page and sandbox, targeted allocation, promises, field receipts."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from backend.core.config import get_settings
from backend.payments.models import Payment
from backend.plans.models import PlanInstalment
from backend.promises.models import Promise
from tests import builders as b
from tests.plans.helpers import days, lima, team


def _link(client, who, account, purpose="balance", **extra):
    return client.post(
        f"/api/v1/accounts/{account.id}/payment-links",
        headers=b.headers(who),
        json={"purpose": purpose, **extra},
    )


def _token(link: dict) -> str:
    return link["url"].rsplit("/", 1)[-1]


def test_builtin_page_and_sandbox_pay_through_the_webhook_path(
    client, session: Session, builtin_provider
) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=123_450)
    link = _link(client, agent, account).json()
    token = _token(link)
    assert len(token) >= 32  # 192 random bits
    page = client.get(f"/pay/{token}", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert "S/\xa01,234.50" in page.text and "Rosa" in page.text and "SANDBOX" in page.text
    english = client.get(f"/pay/{token}?lang=en")
    assert "S/\xa01,234.50" in english.text and "Simulate payment (sandbox)" in english.text
    paid = client.post(f"/pay/{token}/sandbox", follow_redirects=False)
    assert paid.status_code == 303
    assert client.post(f"/pay/{token}/sandbox", follow_redirects=False).status_code == 303
    after = client.get(f"/pay/{token}?lang=en")
    assert "We received your payment" in after.text and "SANDBOX" not in after.text
    session.refresh(account)
    assert account.balance_minor == 0 and account.status == "paid"
    payments = session.exec(select(Payment).where(Payment.account_id == account.id)).all()
    assert len(payments) == 1 and payments[0].provider == "builtin"


def test_sandbox_is_refused_in_production(client, session, builtin_provider, monkeypatch) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    token = _token(_link(client, agent, account).json())
    monkeypatch.setenv("COBRO_ENV", "production")
    monkeypatch.setenv("COBRO_SECRET_KEY", "p" * 40)
    get_settings.cache_clear()
    assert "SANDBOX" not in client.get(f"/pay/{token}").text
    assert client.post(f"/pay/{token}/sandbox").status_code == 404
    session.refresh(account)
    assert account.balance_minor == 100_000


def test_unknown_token_is_404(client, builtin_provider) -> None:
    response = client.get("/pay/not-a-token", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_instalment_link_pays_that_instalment(client, session, builtin_provider) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    offers = client.post(
        f"/api/v1/accounts/{account.id}/offers", headers=b.headers(agent), json={}
    ).json()
    offer = next(o for o in offers if o["kind"] == "lowest_instalment")
    plan = client.post(
        f"/api/v1/offers/{offer['id']}/accept", headers=b.headers(agent), json={}
    ).json()
    target = plan["instalments"][2]
    row = session.exec(
        select(PlanInstalment).where(
            PlanInstalment.plan_id == uuid.UUID(plan["id"]),
            PlanInstalment.number == target["number"],
        )
    ).one()
    link = _link(client, agent, account, "instalment", instalment_id=str(row.id)).json()
    assert link["amount_minor"] == target["amount_minor"]
    client.post(f"/pay/{_token(link)}/sandbox")
    detail = client.get(f"/api/v1/plans/{plan['id']}", headers=b.headers(agent)).json()
    statuses = [i["status"] for i in detail["instalments"]]
    assert statuses[2] == "paid" and statuses[0] == "pending"


def test_promise_link_keeps_the_promise_at_once(client, session, builtin_provider) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)
    client.post(
        f"/api/v1/accounts/{account.id}/promises",
        headers=b.headers(agent),
        json={"amount": "200.00", "currency": "PEN", "due_date": days(3).isoformat()},
    )
    link = _link(client, agent, account, "promise").json()
    assert link["amount_minor"] == 20_000
    client.post(f"/pay/{_token(link)}/sandbox")
    promise = session.exec(select(Promise).where(Promise.account_id == account.id)).one()
    assert promise.status == "kept" and promise.paid_minor == 20_000


def test_link_without_promise_or_plan_is_409(client, session, builtin_provider) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    assert _link(client, agent, account, "promise").status_code == 409
    assert _link(client, agent, account, "instalment").status_code == 409


def _field(client, who, account, **overrides):
    body = {
        "client_id": "dev1-0000001",
        "amount": "150.00",
        "currency": "PEN",
        "method": "cash",
        "receipt_number": "R-001",
        "paid_on": days(0).isoformat(),
        "latitude": -12.1211,
        "longitude": -77.0297,
        **overrides,
    }
    return client.post(
        f"/api/v1/accounts/{account.id}/field-payments", headers=b.headers(who), json=body
    )


def test_field_payment_once_with_verifiable_receipt(client, session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    first = _field(client, agent, account)
    assert first.status_code == 201, first.text
    replay = _field(client, agent, account)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    reused = _field(client, agent, account, client_id="dev1-0000002")
    assert reused.status_code == 409 and "R-001" in reused.json()["message"]
    session.refresh(account)
    assert account.balance_minor == 35_000
    code = first.json()["verification_code"]
    assert len(code) == 10 and first.json()["receipt_url"].endswith(f"/receipts/{code}")
    receipt = client.get(f"/receipts/{code.lower()}?lang=es")
    assert receipt.status_code == 200
    assert "S/\xa0150.00" in receipt.text and "Rosa Q." in receipt.text and "R-001" in receipt.text
    assert "Quispe" not in receipt.text  # the receipt does not expose the full name
    assert client.get("/receipts/NOPE000000").status_code == 404


def test_field_payment_rules(client, session) -> None:
    _, agent = team(session)
    _, stranger = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    assert _field(client, stranger, account).status_code == 404
    wrong = _field(client, agent, account, currency="USD")
    assert wrong.status_code == 422 and wrong.json()["code"] == "currency_mismatch"
    precise = _field(client, agent, account, amount="1.005")
    assert precise.status_code == 422 and precise.json()["code"] == "amount_precision"
    method = _field(client, agent, account, method="bitcoin")
    assert method.status_code == 422
    assert session.exec(select(Payment).where(Payment.account_id == account.id)).first() is None


def test_links_list(client, session, builtin_provider) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    _link(client, agent, account, "balance")
    listed = client.get(f"/api/v1/accounts/{account.id}/payment-links", headers=b.headers(agent))
    assert [link["purpose"] for link in listed.json()["items"]] == ["balance"]


def test_field_payment_on_a_paid_account_is_refused(client, session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=15_000)
    assert _field(client, agent, account).status_code == 201  # pays it off
    again = _field(client, agent, account, client_id="dev1-0000009", receipt_number="R-009")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert _field(client, agent, account).status_code == 200  # the replay still answers
