"""List filters (status, aging bucket, agent, portfolio, free text) and cursor pagination."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from shared.schemas.enums import AccountStatus, AgingBucket, Role
from tests import builders as b
from tests.api.conftest import World

API = "/api/v1"

# Days past due in the middle of each bucket, so a portfolio timezone a day away from the
# machine's cannot move an account across a boundary.
BUCKET_DAYS = {
    AgingBucket.CURRENT: -10,
    AgingBucket.DAYS_1_30: 15,
    AgingBucket.DAYS_31_60: 45,
    AgingBucket.DAYS_61_90: 75,
    AgingBucket.DAYS_91_180: 120,
    AgingBucket.DAYS_181_PLUS: 400,
}


def walk(
    client: TestClient,
    path: str,
    headers: dict[str, str],
    cursor: str | None = None,
    **params: Any,
) -> list[str]:
    """Every id of a list from ``cursor`` on, following ``next_cursor`` page by page."""
    seen: list[str] = []
    for _ in range(100):
        query = {**params, "cursor": cursor} if cursor else params
        page = client.get(f"{API}{path}", params=query, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= params.get("limit", 50)
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination does not end")


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> set[str]:
    response = client.get(f"{API}/accounts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_aging_bucket_filter_covers_all_six_buckets(client: TestClient, session: Session) -> None:
    admin = b.user(session, Role.admin)
    portfolio = b.portfolio(session)
    by_bucket = {
        bucket: b.account(session, portfolio, days_past_due=days)
        for bucket, days in BUCKET_DAYS.items()
    }
    # Nothing owed: current whatever the due date.
    settled = b.account(
        session, portfolio, principal=0, days_past_due=300, status=AccountStatus.paid
    )
    headers = b.headers(admin)
    for bucket, account in by_bucket.items():
        expected = {str(account.id)} | (
            {str(settled.id)} if bucket == AgingBucket.CURRENT else set()
        )
        found = listed(client, headers, aging_bucket=bucket.value, portfolio_id=portfolio.id)
        assert found == expected, bucket
        read = client.get(f"{API}/accounts/{account.id}", headers=headers).json()
        assert read["aging_bucket"] == bucket.value
        assert abs(read["days_past_due"] - max(BUCKET_DAYS[bucket], 0)) <= 1


def test_unknown_bucket_or_status_is_422(client: TestClient, world: World) -> None:
    headers = b.headers(world.admin)
    for params in ({"aging_bucket": "1-31"}, {"status": "closed"}, {"limit": 0}, {"limit": 501}):
        response = client.get(f"{API}/accounts", params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.json()["code"] == "validation_error"


def test_status_agent_and_portfolio_filters(
    client: TestClient, session: Session, world: World
) -> None:
    other_portfolio = b.portfolio(session)
    disputed = b.account(session, world.portfolio, agent=world.agent_a, status="disputed")
    in_plan = b.account(session, other_portfolio, agent=world.agent_a, status="in_plan")
    headers = b.headers(world.admin)
    assert listed(client, headers, status="disputed") == {str(disputed.id)}
    assert listed(client, headers, status="in_plan") == {str(in_plan.id)}
    assert listed(client, headers, assigned_agent_id=world.agent_a.id) == {
        str(world.account_a.id),
        str(disputed.id),
        str(in_plan.id),
    }
    assert listed(client, headers, unassigned=True) == {str(world.unassigned.id)}
    assert listed(client, headers, portfolio_id=other_portfolio.id) == {str(in_plan.id)}
    assert listed(
        client, headers, portfolio_id=world.portfolio.id, assigned_agent_id=world.agent_a.id
    ) == {str(world.account_a.id), str(disputed.id)}
    assert listed(client, headers, debtor_id=world.debtor_b.id) == {str(world.account_b.id)}
    # The agent's own view applies the same filters inside their scope.
    agent = b.headers(world.agent_a)
    assert listed(client, agent, status="disputed") == {str(disputed.id)}
    assert listed(client, agent, status="active") == {str(world.account_a.id)}


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("Rosa", "a"),
        ("rosa quispe", "a"),
        ("QUISPE", "a"),
        ("41234567", "a"),
        ("987654321", "a"),
        ("+51987654321", "a"),
        ("A-1", "a"),
        ("Mamani", "b"),
        ("B-1", "b"),
        ("no such person", None),
        ("A-", None),  # external references match exactly
        ("%", None),  # LIKE wildcards are searched for literally
        ("_", None),
    ],
)
def test_free_text_over_name_id_phone_and_reference(
    client: TestClient, world: World, q: str, who: str | None
) -> None:
    expected = {"a": {str(world.account_a.id)}, "b": {str(world.account_b.id)}}.get(who, set())
    assert listed(client, b.headers(world.admin), q=q) == expected
    debtors = client.get(f"{API}/debtors", params={"q": q}, headers=b.headers(world.admin))
    debtor_ids = {item["id"] for item in debtors.json()["items"]}
    owners = {"a": {str(world.debtor_a.id)}, "b": {str(world.debtor_b.id)}}
    if not q.endswith("-1"):  # debtors are not searched by account reference
        assert debtor_ids == owners.get(who, set())


def test_free_text_ignores_accents_and_case(client: TestClient, world: World) -> None:
    admin = b.headers(world.admin)
    created = client.post(
        f"{API}/debtors",
        json={
            "portfolio_id": str(world.portfolio.id),
            "id_type": "DNI",
            "id_number": "43456789",
            "first_name": "José",
            "last_name": "Ñañez Álvarez",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    for q in ("jose nanez", "ÑAÑEZ", "alvarez", "José"):
        found = client.get(f"{API}/debtors", params={"q": q}, headers=admin).json()["items"]
        assert [d["id"] for d in found] == [created.json()["id"]], q


@pytest.mark.parametrize("limit", [1, 4, 7, 50])
def test_cursor_pagination_walks_every_account_once(
    client: TestClient, session: Session, limit: int
) -> None:
    admin = b.user(session, Role.admin)
    portfolio = b.portfolio(session)
    created = [str(b.account(session, portfolio).id) for _ in range(17)]
    seen = walk(client, "/accounts", b.headers(admin), limit=limit, portfolio_id=portfolio.id)
    assert seen == sorted(created)  # ordered, no duplicates, nothing missed


def test_pagination_is_stable_while_rows_are_added(client: TestClient, session: Session) -> None:
    admin = b.user(session, Role.admin)
    portfolio = b.portfolio(session)
    # Ids are time-ordered by the millisecond: rows made together may sort either way.
    created = sorted(str(b.account(session, portfolio).id) for _ in range(6))
    headers = b.headers(admin)
    params = {"limit": 4, "portfolio_id": str(portfolio.id)}
    first = client.get(f"{API}/accounts", params=params, headers=headers).json()
    added = str(b.account(session, portfolio).id)  # after the first page: sorts last
    rest = walk(client, "/accounts", headers, cursor=first["next_cursor"], **params)
    assert [i["id"] for i in first["items"]] + rest == [*created, added]


@pytest.mark.parametrize(
    "path",
    ["/users", "/creditors", "/portfolios", "/debtors", "/accounts", "/audit-events", "LEDGER"],
)
def test_every_list_pages_with_a_cursor(
    client: TestClient, session: Session, world: World, path: str
) -> None:
    path = f"/accounts/{world.account_a.id}/ledger" if path == "LEDGER" else path
    for n in range(4):  # each adds a creditor, a portfolio, entries and audit events
        b.portfolio(session)
        b.ledger_entry(session, world.account_a, amount_minor=100 + n)
    headers = b.headers(world.admin)
    everything = client.get(f"{API}{path}", params={"limit": 500}, headers=headers).json()
    assert everything["next_cursor"] is None
    expected = [item["id"] for item in everything["items"]]
    assert len(expected) >= 4
    assert walk(client, path, headers, limit=3) == expected


@pytest.mark.parametrize("cursor", ["not-a-uuid", "123", "' OR 1=1 --", "x" * 64])
@pytest.mark.parametrize("path", ["/users", "/creditors", "/debtors", "/accounts", "LEDGER"])
def test_malformed_cursor_is_422_with_code(
    client: TestClient, world: World, cursor: str, path: str
) -> None:
    path = f"/accounts/{world.account_a.id}/ledger" if path == "LEDGER" else path
    response = client.get(f"{API}{path}", params={"cursor": cursor}, headers=b.headers(world.admin))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"
    assert response.json()["message"] == "The pagination cursor is not valid."


def test_oversized_cursor_is_422(client: TestClient, world: World) -> None:
    response = client.get(
        f"{API}/accounts", params={"cursor": "x" * 65}, headers=b.headers(world.admin)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"
