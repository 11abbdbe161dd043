from __future__ import annotations

from shared.schemas.enums import Role
from tests import builders as b


def test_healthz(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_login_and_me(client, session) -> None:
    user = b.user(session, Role.admin, email="boss@test.cobro")
    response = client.post(
        "/api/v1/auth/token", data={"username": "BOSS@test.cobro", "password": "password123"}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == str(user.id)


def test_wrong_password_is_401_with_code(client, session) -> None:
    b.user(session, Role.admin, email="boss2@test.cobro")
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "boss2@test.cobro", "password": "nope"},
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["message"] == "Correo o contraseña incorrectos."


def test_account_read_and_ledger(client, session) -> None:
    agent = b.user(session, Role.agent)
    account = b.account(session, agent=agent, principal=150_050, days_past_due=45)
    body = client.get(f"/api/v1/accounts/{account.id}", headers=b.headers(agent)).json()
    assert body["balance_minor"] == 150_050
    assert body["aging_bucket"] == "31-60"
    admin = b.user(session, Role.admin)
    post = client.post(
        f"/api/v1/accounts/{account.id}/ledger",
        headers=b.headers(admin),
        json={
            "kind": "payment",
            "amount": "50.05",
            "currency": "PEN",
            "effective_date": "2026-11-20",
            "idempotency_key": "k1",
        },
    )
    assert post.status_code == 201, post.text
    again = client.post(
        f"/api/v1/accounts/{account.id}/ledger",
        headers=b.headers(admin),
        json={
            "kind": "payment",
            "amount": "50.05",
            "currency": "PEN",
            "effective_date": "2026-11-20",
            "idempotency_key": "k1",
        },
    )
    assert again.status_code == 200 and again.json()["id"] == post.json()["id"]
    body = client.get(f"/api/v1/accounts/{account.id}", headers=b.headers(agent)).json()
    assert body["balance_minor"] == 145_045
    timeline = client.get(f"/api/v1/accounts/{account.id}/timeline", headers=b.headers(agent))
    assert timeline.status_code == 200
    assert timeline.json()["items"][0]["action"] == "ledger.payment"
