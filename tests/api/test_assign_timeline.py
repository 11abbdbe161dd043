"""Bulk assignment (all or nothing), the account timeline, and the audit trail over HTTP."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from shared.schemas.enums import EntryKind
from tests import builders as b
from tests.api.conftest import World, row_counts

API = "/api/v1"


def assign(
    client: TestClient, who: dict[str, str], accounts: list[object], agent: object | None
) -> tuple[int, dict]:
    response = client.post(
        f"{API}/accounts/assign",
        json={
            "account_ids": [str(a) for a in accounts],
            "agent_id": str(agent) if agent else None,
        },
        headers=who,
    )
    return response.status_code, response.json()


def agent_of(session: Session, account: Account) -> uuid.UUID | None:
    session.refresh(account)
    return account.assigned_agent_id


def test_admin_assigns_many_and_each_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    accounts = [world.account_a.id, world.account_c.id, world.unassigned.id, world.account_a.id]
    status, body = assign(client, b.headers(world.admin), accounts, world.agent_b.id)
    assert (status, body) == (200, {"assigned": 3})
    for account in (world.account_a, world.account_c, world.unassigned):
        assert agent_of(session, account) == world.agent_b.id
    moved = session.exec(select(AuditEvent).where(AuditEvent.action == "account.assigned")).all()
    assert {e.entity_id for e in moved} == {
        str(world.account_a.id),
        str(world.account_c.id),
        str(world.unassigned.id),
    }
    by_account = {e.entity_id: e for e in moved}
    assert by_account[str(world.unassigned.id)].before == {"assigned_agent_id": None}
    assert by_account[str(world.account_a.id)].before == {
        "assigned_agent_id": str(world.agent_a.id)
    }
    assert all(e.after == {"assigned_agent_id": str(world.agent_b.id)} for e in moved)
    assert all(e.actor_id == world.admin.id and e.entity_type == "account" for e in moved)
    # Agent B now sees all three; agent A no longer sees their old account.
    listed = client.get(f"{API}/accounts", headers=b.headers(world.agent_b)).json()["items"]
    assert len(listed) == 4
    agent_a = b.headers(world.agent_a)
    assert client.get(f"{API}/accounts/{world.account_a.id}", headers=agent_a).status_code == 404


def test_assignment_is_all_or_nothing(client: TestClient, session: Session, world: World) -> None:
    missing = uuid.uuid4()
    before = row_counts(session)
    status, body = assign(
        client, b.headers(world.admin), [world.account_a.id, missing], world.agent_b.id
    )
    assert (status, body["code"]) == (404, "not_found")
    assert body["details"] == {"missing": [str(missing)]}
    assert agent_of(session, world.account_a) == world.agent_a.id
    assert row_counts(session) == before


def test_supervisor_assigns_within_their_team_only(
    client: TestClient, session: Session, world: World
) -> None:
    supervisor = b.headers(world.supervisor)
    before = row_counts(session)
    # Another team's agent: refused.
    status, body = assign(client, supervisor, [world.account_a.id], world.agent_c.id)
    assert (status, body["code"]) == (422, "validation_error")
    # Another team's account, even mixed with their own: nothing moves.
    status, body = assign(
        client, supervisor, [world.account_a.id, world.account_c.id], world.agent_b.id
    )
    assert (status, body["code"]) == (404, "not_found")
    assert body["details"] == {"missing": [str(world.account_c.id)]}
    # Not an agent at all.
    status, _ = assign(client, supervisor, [world.account_a.id], world.supervisor.id)
    assert status == 422
    assert row_counts(session) == before
    assert agent_of(session, world.account_a) == world.agent_a.id
    assert agent_of(session, world.account_c) == world.agent_c.id
    # Their own and unassigned accounts to their own agent: accepted.
    status, body = assign(
        client, supervisor, [world.account_a.id, world.unassigned.id], world.agent_b.id
    )
    assert (status, body) == (200, {"assigned": 2})
    assert agent_of(session, world.unassigned) == world.agent_b.id


def test_unassign_and_bad_requests(client: TestClient, session: Session, world: World) -> None:
    admin = b.headers(world.admin)
    status, body = assign(client, admin, [world.account_a.id], None)
    assert (status, body) == (200, {"assigned": 1})
    assert agent_of(session, world.account_a) is None
    before = row_counts(session)
    for payload in (
        {"account_ids": [], "agent_id": None},
        {"account_ids": ["nope"], "agent_id": None},
        {"account_ids": [str(world.account_b.id)]},
        {"account_ids": [str(world.account_b.id)], "agent_id": "nope"},
    ):
        response = client.post(f"{API}/accounts/assign", json=payload, headers=admin)
        assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    status, _ = assign(client, b.headers(world.agent_a), [world.account_a.id], world.agent_a.id)
    assert status == 403
    assert row_counts(session) == before


def timeline(client: TestClient, account: Account, who: dict[str, str], **params: object) -> dict:
    response = client.get(f"{API}/accounts/{account.id}/timeline", params=params, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def test_timeline_merges_ledger_and_audit_newest_first(client: TestClient, world: World) -> None:
    admin = b.headers(world.admin)
    account = world.account_a
    client.patch(f"{API}/accounts/{account.id}", json={"status": "disputed"}, headers=admin)
    posted = client.post(
        f"{API}/accounts/{account.id}/ledger",
        json={
            "kind": "fee",
            "amount": "5.00",
            "currency": "PEN",
            "effective_date": "2026-01-10",
            "idempotency_key": "fee",
        },
        headers=admin,
    )
    assert posted.status_code == 201
    assign(client, admin, [account.id], world.agent_b.id)
    items = timeline(client, account, admin)["items"]
    stamps = [datetime.fromisoformat(i["at"]) for i in items]
    assert stamps == sorted(stamps, reverse=True)
    assert [(i["type"], i["action"]) for i in items] == [
        ("audit", "account.assigned"),
        ("ledger", "ledger.fee"),  # its audit event is not repeated
        ("audit", "account.updated"),
        ("ledger", "ledger.charge"),  # the principal, posted by the builder
    ]
    fee = items[1]
    assert fee["data"]["amount_minor"] == 500 and fee["actor_id"] == str(world.admin.id)
    assert items[2]["data"]["after"] == {"status": "disputed"}


def test_timeline_pages_with_next_cursor(
    client: TestClient, session: Session, world: World
) -> None:
    account = world.account_a
    for n in range(9):
        b.ledger_entry(session, account, kind=EntryKind.interest, amount_minor=10 + n)
    headers = b.headers(world.agent_a)
    everything = timeline(client, account, headers, limit=200)["items"]
    assert len(everything) == 10 and everything[-1]["action"] == "ledger.charge"
    seen: list[dict] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = timeline(client, account, headers, **params)
        assert len(page["items"]) <= 3
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    for bad in ("abc", "0", "-1", "1.5", "x" * 20):
        response = client.get(
            f"{API}/accounts/{account.id}/timeline", params={"cursor": bad}, headers=headers
        )
        assert (response.status_code, response.json()["code"]) == (422, "invalid_cursor")


def test_every_mutation_is_audited_in_its_transaction(
    client: TestClient, session: Session, world: World
) -> None:
    """A rejected mutation leaves no audit event; an accepted one leaves exactly one."""
    admin = b.headers(world.admin)
    count = row_counts(session)["AuditEvent"]
    refused = client.patch(
        f"{API}/accounts/{world.account_a.id}",
        json={"assigned_agent_id": str(world.supervisor.id)},
        headers=admin,
    )
    assert refused.status_code == 422
    assert row_counts(session)["AuditEvent"] == count
    accepted = client.patch(
        f"{API}/accounts/{world.account_a.id}", json={"product": "Otro"}, headers=admin
    )
    assert accepted.status_code == 200
    assert row_counts(session)["AuditEvent"] == count + 1
    events = client.get(
        f"{API}/audit-events",
        params={"entity_type": "account", "entity_id": str(world.account_a.id)},
        headers=admin,
    ).json()["items"]
    assert [e["action"] for e in events][-1] == "account.updated"
    assert events[-1]["before"] == {"product": "Tarjeta de crédito"}
    assert events[-1]["actor_id"] == str(world.admin.id)
    by_actor = client.get(
        f"{API}/audit-events", params={"actor_id": str(world.admin.id)}, headers=admin
    ).json()["items"]
    assert [e["action"] for e in by_actor] == ["account.updated"]
