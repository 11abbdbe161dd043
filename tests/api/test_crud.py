"""Create, read, update for creditors, portfolios, debtors and accounts.

Every rejected request answers 4xx with a code and writes nothing; every accepted mutation
leaves an audit event with its entity, action and before/after.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.audit.models import AuditEvent
from tests import builders as b
from tests.api.conftest import World, row_counts

API = "/api/v1"


def events(session: Session, entity_id: object, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.entity_id == str(entity_id))
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.exec(query.order_by(col(AuditEvent.at))))


def rejected(
    client: TestClient,
    session: Session,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
    code: str,
    json: Any = None,
) -> dict[str, Any]:
    """Send a request that must fail with ``status``/``code`` and write nothing."""
    before = row_counts(session)
    response = client.request(method, f"{API}{path}", json=json, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message"] and not body["message"].startswith("error.")
    assert "{" not in body["message"]  # every placeholder filled
    assert row_counts(session) == before
    return body


# Creditors and portfolios --------------------------------------------------------------------


def test_creditor_create_read_update_and_audit(
    client: TestClient, session: Session, world: World
) -> None:
    admin = b.headers(world.admin)
    created = client.post(
        f"{API}/creditors",
        json={"name": "Banco Andino", "tax_id": "20100047218", "country": "PE"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    creditor = created.json()
    assert client.get(f"{API}/creditors/{creditor['id']}", headers=admin).json() == creditor
    [event] = events(session, creditor["id"])
    assert (event.action, event.entity_type, event.actor_id) == (
        "creditor.created",
        "creditor",
        world.admin.id,
    )
    assert event.after is not None and event.after["name"] == "Banco Andino"
    assert event.before is None

    updated = client.patch(
        f"{API}/creditors/{creditor['id']}", json={"name": "Banco Andino SAA"}, headers=admin
    )
    assert updated.status_code == 200
    assert updated.json()["name"] == "Banco Andino SAA"
    [update] = events(session, creditor["id"], "creditor.updated")
    assert (update.before, update.after) == ({"name": "Banco Andino"}, {"name": "Banco Andino SAA"})

    # null for a required field changes nothing; null for an optional one clears it.
    cleared = client.patch(
        f"{API}/creditors/{creditor['id']}", json={"name": None, "tax_id": None}, headers=admin
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["name"], cleared.json()["tax_id"]) == ("Banco Andino SAA", None)


def test_creditor_rejections_write_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    admin = b.headers(world.admin)
    existing = b.creditor(session, name="Caja Sur")
    body = {"name": "Caja Sur", "country": "PE"}
    rejected(client, session, "POST", "/creditors", admin, 409, "conflict", body)
    for bad in ({"name": "", "country": "PE"}, {"name": "X", "country": "PER"}, {"name": "X"}):
        rejected(client, session, "POST", "/creditors", admin, 422, "validation_error", bad)
    other = b.creditor(session)
    rejected(
        client,
        session,
        "PATCH",
        f"/creditors/{other.id}",
        admin,
        409,
        "conflict",
        {"name": existing.name},
    )
    rejected(client, session, "GET", "/creditors/123", admin, 422, "validation_error")
    rejected(client, session, "GET", f"/creditors/{uuid.uuid4()}", admin, 404, "not_found")


def test_portfolio_create_update_and_rejections(
    client: TestClient, session: Session, world: World
) -> None:
    admin = b.headers(world.admin)
    creditor = b.creditor(session)
    base = {
        "creditor_id": str(creditor.id),
        "name": "Tarjetas Lima",
        "currency": "PEN",
        "country": "PE",
        "timezone": "America/Lima",
    }
    created = client.post(f"{API}/portfolios", json=base, headers=admin)
    assert created.status_code == 201, created.text
    portfolio_id = created.json()["id"]
    assert events(session, portfolio_id, "portfolio.created")

    unknown = rejected(
        client,
        session,
        "POST",
        "/portfolios",
        admin,
        422,
        "unknown_currency",
        {**base, "currency": "XXX"},
    )
    assert unknown["message"] == "Unknown or unsupported currency: XXX."
    for timezone in ("Mars/Olympus", "America", "../../etc/passwd", "America/"):
        rejected(
            client,
            session,
            "POST",
            "/portfolios",
            admin,
            422,
            "validation_error",
            {**base, "timezone": timezone},
        )
    rejected(
        client,
        session,
        "POST",
        "/portfolios",
        admin,
        404,
        "not_found",
        {**base, "creditor_id": str(uuid.uuid4())},
    )
    rejected(
        client,
        session,
        "POST",
        "/portfolios",
        admin,
        422,
        "validation_error",
        {**base, "currency": "pen"},
    )

    updated = client.patch(
        f"{API}/portfolios/{portfolio_id}", json={"timezone": "America/Bogota"}, headers=admin
    )
    assert updated.json()["timezone"] == "America/Bogota"
    [event] = events(session, portfolio_id, "portfolio.updated")
    assert (event.before, event.after) == (
        {"timezone": "America/Lima"},
        {"timezone": "America/Bogota"},
    )
    rejected(
        client,
        session,
        "PATCH",
        f"/portfolios/{portfolio_id}",
        admin,
        422,
        "validation_error",
        {"timezone": "Etc"},
    )


# Debtors -------------------------------------------------------------------------------------


def debtor_body(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "portfolio_id": str(world.portfolio.id),
        "id_type": "DNI",
        "id_number": "45678912",
        "first_name": "Carmen",
        "last_name": "Rojas",
        "phones": ["987 111 222"],
        "emails": ["Carmen@Example.PE"],
        "addresses": [{"line1": "Av. Arequipa 123", "city": "Lima", "country": "PE"}],
        **changes,
    }


def test_debtor_create_normalises_and_audits(
    client: TestClient, session: Session, world: World
) -> None:
    supervisor = b.headers(world.supervisor)
    created = client.post(f"{API}/debtors", json=debtor_body(world), headers=supervisor)
    assert created.status_code == 201, created.text
    debtor = created.json()
    assert debtor["phones"] == ["+51987111222"]
    assert debtor["emails"] == ["carmen@example.pe"]
    assert debtor["display_name"] == "Carmen Rojas"
    assert debtor["addresses"][0]["line1"] == "Av. Arequipa 123"
    [event] = events(session, debtor["id"])
    assert event.action == "debtor.created" and event.entity_type == "debtor"
    assert event.after is not None and event.after["phones"] == ["+51*********"]  # masked

    company = client.post(
        f"{API}/debtors",
        json=debtor_body(
            world,
            kind="company",
            id_type="RUC",
            id_number="20-10004721-8",
            company_name="Textiles SAC",
            phones=[],
        ),
        headers=supervisor,
    )
    assert company.status_code == 201, company.text
    assert (company.json()["id_number"], company.json()["display_name"]) == (
        "20100047218",
        "Textiles SAC",
    )


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"id_number": "1234"}, "DNI"),
        ({"id_type": "RUC", "id_number": "20100047219"}, "check digit"),
        ({"id_type": "RUT", "id_number": "12.345.678-K"}, "check digit"),
        ({"id_type": "CURP", "id_number": "NOTACURP"}, "CURP"),
        ({"phones": ["12345"]}, "phone"),
        ({"phones": ["+51 987 111 222", "not a phone"]}, "phone"),
    ],
)
def test_debtor_invalid_identity_is_422(
    client: TestClient, session: Session, world: World, changes: dict[str, Any], needle: str
) -> None:
    body = rejected(
        client,
        session,
        "POST",
        "/debtors",
        b.headers(world.admin),
        422,
        "validation_error",
        debtor_body(world, **changes),
    )
    assert needle.lower() in body["message"].lower()


@pytest.mark.parametrize(
    "changes",
    [
        {"id_type": "PASAPORTE"},
        {"preferred_channel": "fax"},
        {"kind": "robot"},
        {"portfolio_id": "not-a-uuid"},
        {"emails": ["not-an-email"]},
        {"addresses": [{"line1": "x", "country": "Peru"}]},
        {"addresses": [{"line1": "x", "country": "PE", "latitude": 91}]},
        {"phones": ["987654321"] * 11},
    ],
)
def test_debtor_schema_violations_are_422(
    client: TestClient, session: Session, world: World, changes: dict[str, Any]
) -> None:
    rejected(
        client,
        session,
        "POST",
        "/debtors",
        b.headers(world.admin),
        422,
        "validation_error",
        debtor_body(world, **changes),
    )


def test_duplicate_debtor_is_409(client: TestClient, session: Session, world: World) -> None:
    admin = b.headers(world.admin)
    assert client.post(f"{API}/debtors", json=debtor_body(world), headers=admin).status_code == 201
    rejected(
        client,
        session,
        "POST",
        "/debtors",
        admin,
        409,
        "conflict",
        debtor_body(world, id_number="4567-8912", first_name="Otra"),
    )
    # The same person in another portfolio is a different debtor.
    other = b.portfolio(session)
    again = client.post(
        f"{API}/debtors", json=debtor_body(world, portfolio_id=str(other.id)), headers=admin
    )
    assert again.status_code == 201


def test_debtor_update_and_audit(client: TestClient, session: Session, world: World) -> None:
    agent = b.headers(world.agent_a)  # an agent may correct their own debtor's contact data
    stamp = client.get(f"{API}/debtors/{world.debtor_a.id}", headers=agent).json()["updated_at"]
    updated = client.patch(
        f"{API}/debtors/{world.debtor_a.id}",
        json={"phones": ["987 000 111"], "preferred_channel": "whatsapp", "first_name": None},
        headers=agent,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["phones"] == ["+51987000111"]
    assert updated.json()["first_name"] == "Rosa"
    assert updated.json()["updated_at"] > stamp
    [event] = events(session, world.debtor_a.id, "debtor.updated")
    assert event.actor_id == world.agent_a.id
    assert event.before is not None and event.after is not None
    # Phones are a verification factor: audited masked (the last digits are the factor).
    assert event.before["phones"] == ["+51*********"]
    assert event.after == {
        "phones": ["+51*********"],
        "preferred_channel": "whatsapp",
        "verification_reset": 0,
    }
    found = client.get(f"{API}/debtors", params={"q": "987000111"}, headers=agent).json()
    assert [d["id"] for d in found["items"]] == [str(world.debtor_a.id)]
    rejected(
        client,
        session,
        "PATCH",
        f"/debtors/{world.debtor_a.id}",
        agent,
        422,
        "validation_error",
        {"phones": ["0"]},
    )


# Accounts ------------------------------------------------------------------------------------


def account_body(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "portfolio_id": str(world.portfolio.id),
        "debtor_id": str(world.debtor_a.id),
        "external_ref": "NEW-1",
        "product": "Préstamo personal",
        "principal": "1500.50",
        "currency": "PEN",
        "origination_date": "2025-01-10",
        "due_date": "2025-06-10",
        "assigned_agent_id": str(world.agent_a.id),
        **changes,
    }


def test_account_create_posts_the_principal_and_audits(
    client: TestClient, session: Session, world: World
) -> None:
    created = client.post(
        f"{API}/accounts", json=account_body(world), headers=b.headers(world.supervisor)
    )
    assert created.status_code == 201, created.text
    account = created.json()
    assert (account["principal_minor"], account["balance_minor"]) == (150050, 150050)
    assert account["status"] == "active"
    ledger = client.get(
        f"{API}/accounts/{account['id']}/ledger", headers=b.headers(world.agent_a)
    ).json()
    [entry] = ledger["items"]
    assert (entry["kind"], entry["amount_minor"], entry["effective_date"]) == (
        "charge",
        150050,
        "2025-01-10",
    )
    actions = [
        e.action
        for e in session.exec(
            select(AuditEvent).where(AuditEvent.account_id == uuid.UUID(account["id"]))
        )
    ]
    assert sorted(actions) == ["account.created", "ledger.charge"]


def test_account_in_a_zero_decimal_currency(
    client: TestClient, session: Session, world: World
) -> None:
    portfolio = b.portfolio(session, currency="CLP", country="CL", tz="America/Santiago")
    debtor = b.debtor(session, portfolio, id_type="RUT", id_number="123456785")
    body = account_body(
        world,
        portfolio_id=str(portfolio.id),
        debtor_id=str(debtor.id),
        currency="CLP",
        principal="250000",
        assigned_agent_id=None,
    )
    created = client.post(f"{API}/accounts", json=body, headers=b.headers(world.admin))
    assert created.status_code == 201, created.text
    assert created.json()["balance_minor"] == 250000
    rejected(
        client,
        session,
        "POST",
        "/accounts",
        b.headers(world.admin),
        422,
        "amount_precision",
        {**body, "external_ref": "CLP-2", "principal": "10.5"},
    )


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"currency": "USD"}, 422, "currency_mismatch"),
        ({"currency": "XXX"}, 422, "currency_mismatch"),
        ({"currency": "usd"}, 422, "validation_error"),
        ({"principal": "10.001"}, 422, "amount_precision"),
        ({"principal": "0"}, 422, "validation_error"),
        ({"principal": "-5"}, 422, "validation_error"),
        ({"principal": "abc"}, 422, "validation_error"),
        ({"principal": "NaN"}, 422, "validation_error"),
        ({"principal": "1E+30"}, 422, "validation_error"),
        ({"portfolio_id": "123"}, 422, "validation_error"),
        ({"debtor_id": "not-a-uuid"}, 422, "validation_error"),
        ({"due_date": "2025-02-30"}, 422, "validation_error"),
        ({"external_ref": ""}, 422, "validation_error"),
        ({"assigned_agent_id": "SELF_ADMIN"}, 422, "validation_error"),
        ({"debtor_id": "OTHER_PORTFOLIO"}, 422, "validation_error"),
        ({"debtor_id": "MISSING"}, 404, "not_found"),
        ({"portfolio_id": "MISSING"}, 404, "not_found"),
        ({"external_ref": "A-1"}, 409, "conflict"),
    ],
)
def test_account_rejections_write_nothing(
    client: TestClient,
    session: Session,
    world: World,
    changes: dict[str, Any],
    status: int,
    code: str,
) -> None:
    placeholders = {
        "SELF_ADMIN": str(world.admin.id),
        "OTHER_PORTFOLIO": str(b.debtor(session, b.portfolio(session)).id),
        "MISSING": str(uuid.uuid4()),
    }
    body = account_body(world, **{k: placeholders.get(v, v) for k, v in changes.items()})
    answer = rejected(
        client, session, "POST", "/accounts", b.headers(world.admin), status, code, body
    )
    if code == "amount_precision":
        assert answer["message"] == "The amount has more decimals than PEN allows."
    if code == "currency_mismatch":
        assert answer["details"]["expected"] == "PEN"


def test_account_update_and_audit(client: TestClient, session: Session, world: World) -> None:
    supervisor = b.headers(world.supervisor)
    path = f"/accounts/{world.account_a.id}"
    stamp = client.get(f"{API}{path}", headers=supervisor).json()["updated_at"]
    updated = client.patch(
        f"{API}{path}",
        json={"status": "disputed", "product": "Tarjeta Oro", "due_date": None},
        headers=supervisor,
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["status"], updated.json()["product"]) == ("disputed", "Tarjeta Oro")
    assert updated.json()["due_date"] == world.account_a.due_date.isoformat()
    assert updated.json()["updated_at"] > stamp
    [event] = events(session, world.account_a.id, "account.updated")
    assert event.account_id == world.account_a.id and event.actor_id == world.supervisor.id
    assert event.before == {"status": "active", "product": "Tarjeta de crédito"}
    assert event.after == {"status": "disputed", "product": "Tarjeta Oro"}
    for bad in ({"status": "closed"}, {"due_date": "tomorrow"}, {"product": ""}):
        rejected(client, session, "PATCH", path, supervisor, 422, "validation_error", bad)
    # A supervisor can only hand accounts to agents of their own team.
    rejected(
        client,
        session,
        "PATCH",
        path,
        supervisor,
        422,
        "validation_error",
        {"assigned_agent_id": str(world.agent_c.id)},
    )
    rejected(client, session, "PATCH", "/accounts/xyz", supervisor, 422, "validation_error", {})


def test_agents_and_strangers_cannot_write(
    client: TestClient, session: Session, world: World
) -> None:
    agent = b.headers(world.agent_a)
    rejected(client, session, "POST", "/accounts", agent, 403, "forbidden", account_body(world))
    rejected(
        client,
        session,
        "PATCH",
        f"/accounts/{world.account_a.id}",
        agent,
        403,
        "forbidden",
        {"status": "paid"},
    )
    rejected(
        client,
        session,
        "POST",
        "/creditors",
        b.headers(world.supervisor),
        403,
        "forbidden",
        {"name": "X", "country": "PE"},
    )
    rejected(client, session, "POST", "/debtors", {}, 401, "not_authenticated", {})


def test_users_admin_manages_and_audits(client: TestClient, session: Session, world: World) -> None:
    admin = b.headers(world.admin)
    created = client.post(
        f"{API}/users",
        json={
            "email": "New.Agent@Cobro.PE",
            "full_name": "Nuevo Agente",
            "password": "correct horse",
            "role": "agent",
            "supervisor_id": str(world.supervisor.id),
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "new.agent@cobro.pe"
    [event] = events(session, created.json()["id"])
    assert event.after is not None and "password_hash" not in event.after
    token = client.post(
        f"{API}/auth/token", data={"username": "new.agent@cobro.pe", "password": "correct horse"}
    )
    assert token.status_code == 200
    rejected(
        client,
        session,
        "POST",
        "/users",
        admin,
        409,
        "conflict",
        {"email": "new.agent@cobro.pe", "full_name": "X", "password": "12345678", "role": "agent"},
    )
    rejected(
        client,
        session,
        "POST",
        "/users",
        admin,
        422,
        "validation_error",
        {
            "email": "x@y.pe",
            "full_name": "X",
            "password": "12345678",
            "role": "agent",
            "supervisor_id": str(world.agent_b.id),
        },
    )
    rejected(
        client,
        session,
        "POST",
        "/users",
        admin,
        422,
        "validation_error",
        {"email": "x@y.pe", "full_name": "X", "password": "12345678", "role": "boss"},
    )
