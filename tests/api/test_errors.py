"""Every error is JSON ``{"code", "message"[, "details"]}``, in Spanish or English."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests import builders as b
from tests.api.conftest import World, row_counts

API = "/api/v1"


@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        (None, "No encontrado."),  # Spanish by default
        ("es", "No encontrado."),
        ("es-PE,es;q=0.9", "No encontrado."),
        ("en", "Not found."),
        ("en-US,en;q=0.9,es;q=0.8", "Not found."),
        ("es;q=0.4, en;q=0.8", "Not found."),
        ("fr-FR, de", "No encontrado."),  # unsupported: the default
        ("*", "No encontrado."),
        ("en;q=nonsense", "Not found."),
    ],
)
def test_message_language_follows_accept_language(
    client: TestClient, world: World, accept_language: str | None, message: str
) -> None:
    headers = {"Authorization": b.headers(world.admin)["Authorization"]}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    response = client.get(f"{API}/accounts/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": message}


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("es", "La moneda USD no coincide con la de la cuenta (PEN)."),
        ("en", "Currency USD does not match the account's (PEN)."),
    ],
)
def test_parameters_fill_the_translated_message(
    client: TestClient, world: World, lang: str, message: str
) -> None:
    response = client.post(
        f"{API}/accounts/{world.account_a.id}/ledger",
        json={
            "kind": "payment",
            "amount": "1.00",
            "currency": "USD",
            "effective_date": "2026-01-10",
            "idempotency_key": "k",
        },
        headers=b.headers(world.admin, lang),
    )
    assert response.status_code == 422
    assert response.json()["message"] == message
    assert response.json()["details"] == {"given": "USD", "expected": "PEN"}


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("es", "El monto tiene más decimales de los que admite PEN."),
        ("en", "The amount has more decimals than PEN allows."),
    ],
)
def test_precision_message_names_the_currency(
    client: TestClient, world: World, lang: str, message: str
) -> None:
    response = client.post(
        f"{API}/accounts/{world.account_a.id}/ledger",
        json={
            "kind": "payment",
            "amount": "1.001",
            "currency": "PEN",
            "effective_date": "2026-01-10",
            "idempotency_key": "k",
        },
        headers=b.headers(world.admin, lang),
    )
    assert (response.status_code, response.json()["code"]) == (422, "amount_precision")
    assert response.json()["message"] == message


@pytest.mark.parametrize(
    ("lang", "needle"),
    [("es", "dígito verificador"), ("en", "check digit")],
)
def test_check_digit_message_is_translated(
    client: TestClient, world: World, lang: str, needle: str
) -> None:
    response = client.post(
        f"{API}/debtors",
        json={
            "portfolio_id": str(world.portfolio.id),
            "id_type": "RUC",
            "id_number": "20100047219",
        },
        headers=b.headers(world.admin, lang),
    )
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert needle in response.json()["message"]


def test_validation_errors_say_where(client: TestClient, world: World) -> None:
    response = client.get(
        f"{API}/accounts",
        params={"status": "closed", "limit": "many"},
        headers=b.headers(world.admin, "es"),
    )
    body = response.json()
    assert (response.status_code, body["code"]) == (422, "validation_error")
    assert body["message"] == "Los datos enviados no son válidos."
    assert {tuple(d["loc"]) for d in body["details"]} == {("query", "status"), ("query", "limit")}


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/nowhere", 404, "route_not_found"),
        ("get", "/api/v2/accounts", 404, "route_not_found"),
        ("delete", "/api/v1/accounts", 405, "method_not_allowed"),
        ("put", "/api/v1/creditors", 405, "method_not_allowed"),
    ],
)
def test_framework_errors_are_json_with_code(
    client: TestClient, world: World, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path, headers=b.headers(world.admin))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == code
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 422, "validation_error"),
        (b"", "application/json", 422, "validation_error"),
        (b"\xff\xfe\x00", "application/json", 400, "bad_request"),  # not even UTF-8
        (b"name=x", "application/x-www-form-urlencoded", 422, "validation_error"),
        (b"[1, 2, 3]", "application/json", 422, "validation_error"),
        (b'{"name": "' + b"x" * 10_000 + b'"}', "application/json", 422, "validation_error"),
    ],
)
def test_malformed_bodies_are_4xx_and_write_nothing(
    client: TestClient,
    session: Session,
    world: World,
    body: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    before = row_counts(session)
    response = client.post(
        f"{API}/creditors",
        content=body,
        headers={**b.headers(world.admin), "Content-Type": content_type},
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert row_counts(session) == before


def nul_requests(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    ledger = f"{API}/accounts/{world.account_a.id}/ledger"
    payment = {
        "kind": "payment",
        "amount": "1.00",
        "currency": "PEN",
        "effective_date": "2026-01-10",
    }
    return [
        ("get", f"{API}/accounts", {"params": {"q": "Rosa\x00"}}),
        ("get", f"{API}/debtors", {"params": {"q": "\x00"}}),
        ("get", f"{API}/audit-events", {"params": {"entity_type": "a\x00"}}),
        ("post", f"{API}/creditors", {"json": {"name": "Caja\x00", "country": "PE"}}),
        (
            "patch",
            f"{API}/debtors/{world.debtor_a.id}",
            {"json": {"first_name": "Ro\x00sa"}},
        ),
        ("post", ledger, {"json": {**payment, "idempotency_key": "k\x00"}}),
        ("post", ledger, {"json": {**payment, "idempotency_key": "k", "description": "\x00"}}),
    ]


@pytest.mark.parametrize("index", range(7))
def test_nul_characters_never_cause_a_500(
    client: TestClient, session: Session, world: World, db_kind: str, index: int
) -> None:
    """PostgreSQL text cannot hold NUL: it must be a 422 there, never a 500."""
    method, path, kwargs = nul_requests(world)[index]
    before = row_counts(session)
    response = client.request(method, path, headers=b.headers(world.admin), **kwargs)
    assert response.status_code < 500, response.text
    assert "code" in response.json() or "items" in response.json() or "id" in response.json()
    if db_kind == "postgresql":
        assert (response.status_code, response.json()["code"]) == (422, "validation_error")
        assert row_counts(session) == before


def test_login_with_nul_is_not_a_500(client: TestClient, world: World) -> None:
    response = client.post(f"{API}/auth/token", data={"username": "a\x00@b.pe", "password": "x"})
    assert response.status_code in {401, 422}
    assert response.json()["code"] in {"invalid_credentials", "validation_error"}
