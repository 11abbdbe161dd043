"""Who sees what: agents their own accounts, supervisors their team's, admins all.

Anything outside the caller's scope answers 404, by id, in lists and in searches alike.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.core.security import create_access_token
from tests import builders as b
from tests.api.conftest import World, row_counts

API = "/api/v1"


def ids(response_json: dict) -> set[str]:
    return {item["id"] for item in response_json["items"]}


def test_agent_reads_only_their_own_account(client: TestClient, world: World) -> None:
    headers = b.headers(world.agent_a)
    own = client.get(f"{API}/accounts/{world.account_a.id}", headers=headers)
    assert own.status_code == 200
    assert own.json()["debtor"]["display_name"] == "Rosa Quispe"
    for other in (world.account_b, world.account_c, world.unassigned):
        for path in ("", "/ledger", "/timeline"):
            response = client.get(f"{API}/accounts/{other.id}{path}", headers=headers)
            assert response.status_code == 404, path
            assert response.json()["code"] == "not_found"


def test_out_of_scope_looks_exactly_like_missing(client: TestClient, world: World) -> None:
    headers = b.headers(world.agent_a)
    hidden = client.get(f"{API}/accounts/{world.account_b.id}", headers=headers)
    missing = client.get(f"{API}/accounts/{uuid.uuid4()}", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_agent_lists_only_their_own(client: TestClient, world: World) -> None:
    headers = b.headers(world.agent_a)
    listed = client.get(f"{API}/accounts", headers=headers).json()
    assert ids(listed) == {str(world.account_a.id)}
    # Filtering on the other agent does not widen the scope.
    filtered = client.get(
        f"{API}/accounts", params={"assigned_agent_id": str(world.agent_b.id)}, headers=headers
    )
    assert filtered.json()["items"] == []
    debtors = client.get(f"{API}/debtors", headers=headers).json()
    assert ids(debtors) == {str(world.debtor_a.id)}


@pytest.mark.parametrize(
    "q", ["Mamani", "juan mamani", "42345678", "912345678", "+51912345678", "B-1"]
)
def test_agent_cannot_find_another_agents_debtor(client: TestClient, world: World, q: str) -> None:
    as_b = client.get(f"{API}/accounts", params={"q": q}, headers=b.headers(world.agent_b))
    assert ids(as_b.json()) == {str(world.account_b.id)}  # the search itself works
    headers = b.headers(world.agent_a)
    assert client.get(f"{API}/accounts", params={"q": q}, headers=headers).json()["items"] == []
    assert client.get(f"{API}/debtors", params={"q": q}, headers=headers).json()["items"] == []


def test_agent_cannot_read_or_edit_another_agents_debtor(
    client: TestClient, session: Session, world: World
) -> None:
    headers = b.headers(world.agent_a)
    assert client.get(f"{API}/debtors/{world.debtor_a.id}", headers=headers).status_code == 200
    assert client.get(f"{API}/debtors/{world.debtor_b.id}", headers=headers).status_code == 404
    before = row_counts(session)
    edit = client.patch(
        f"{API}/debtors/{world.debtor_b.id}", json={"first_name": "X"}, headers=headers
    )
    assert edit.status_code == 404
    assert row_counts(session) == before


def test_supervisor_sees_their_team_only(client: TestClient, world: World) -> None:
    headers = b.headers(world.supervisor)
    listed = client.get(f"{API}/accounts", headers=headers).json()
    assert ids(listed) == {str(world.account_a.id), str(world.account_b.id)}
    assert client.get(f"{API}/accounts/{world.account_b.id}", headers=headers).status_code == 200
    for hidden in (world.account_c, world.unassigned):
        assert client.get(f"{API}/accounts/{hidden.id}", headers=headers).status_code == 404
    other = b.headers(world.other_supervisor)
    assert ids(client.get(f"{API}/accounts", headers=other).json()) == {str(world.account_c.id)}
    team = client.get(f"{API}/users", headers=headers).json()
    assert ids(team) == {str(world.agent_a.id), str(world.agent_b.id)}


def test_admin_sees_all(client: TestClient, world: World) -> None:
    listed = client.get(f"{API}/accounts", headers=b.headers(world.admin)).json()
    expected = (world.account_a, world.account_b, world.account_c, world.unassigned)
    assert ids(listed) == {str(account.id) for account in expected}


def test_supervisor_cannot_post_to_another_teams_account(
    client: TestClient, session: Session, world: World
) -> None:
    before = row_counts(session)
    response = client.post(
        f"{API}/accounts/{world.account_c.id}/ledger",
        json={
            "kind": "payment",
            "amount": "10.00",
            "currency": "PEN",
            "effective_date": "2026-01-10",
            "idempotency_key": "k",
        },
        headers=b.headers(world.supervisor),
    )
    assert response.status_code == 404
    assert row_counts(session) == before


def test_agents_may_not_post_or_reverse_ledger_entries(
    client: TestClient, session: Session, world: World
) -> None:
    headers = b.headers(world.agent_a, "es")
    before = row_counts(session)
    posted = client.post(
        f"{API}/accounts/{world.account_a.id}/ledger",
        json={
            "kind": "payment",
            "amount": "10.00",
            "currency": "PEN",
            "effective_date": "2026-01-10",
            "idempotency_key": "k",
        },
        headers=headers,
    )
    assert posted.status_code == 403
    assert posted.json() == {
        "code": "forbidden",
        "message": "No tiene permiso para esta operación.",
    }
    entries = client.get(f"{API}/accounts/{world.account_a.id}/ledger", headers=headers).json()
    reverse = client.post(
        f"{API}/ledger/{entries['items'][0]['id']}/reverse",
        json={"idempotency_key": "undo"},
        headers=headers,
    )
    assert reverse.status_code == 403
    assert row_counts(session) == before


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/users", "get"),
        ("/users", "post"),
        ("/creditors", "post"),
        ("/portfolios", "post"),
        ("/debtors", "post"),
        ("/accounts", "post"),
        ("/accounts/assign", "post"),
        ("/audit-events", "get"),
    ],
)
def test_agent_forbidden_operations(
    client: TestClient, world: World, path: str, method: str
) -> None:
    response = client.request(method, f"{API}{path}", json={}, headers=b.headers(world.agent_a))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-jwt",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    ],
)
def test_missing_or_bad_token_is_401_json(
    client: TestClient, world: World, authorization: str | None
) -> None:
    headers = {"Accept-Language": "en"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = client.get(f"{API}/accounts", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["message"] in {
        "Please log in to continue.",
        "The session is invalid or expired. Please log in again.",
    }


def test_expired_forged_and_deactivated_tokens_are_401(
    client: TestClient, session: Session, world: World
) -> None:
    expired = create_access_token(world.admin.id, "admin", version=0, minutes=-1)
    stranger = create_access_token(uuid.uuid4(), "admin", version=0)
    forged = b.headers(world.admin)["Authorization"][:-4] + "AAAA"
    for token in (expired, stranger):
        response = client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    assert client.get(f"{API}/users/me", headers={"Authorization": forged}).status_code == 401
    deactivated = client.patch(
        f"{API}/users/{world.agent_a.id}",
        json={"is_active": False},
        headers=b.headers(world.admin),
    )
    assert deactivated.status_code == 200
    assert client.get(f"{API}/users/me", headers=b.headers(world.agent_a)).status_code == 401
