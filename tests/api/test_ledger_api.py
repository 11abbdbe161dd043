"""The ledger over HTTP: posts, replays, reversals, and every way to get an amount wrong."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from tests import builders as b
from tests.api.conftest import World, row_counts

API = "/api/v1"


def entry(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "payment",
        "amount": "150.50",
        "currency": "PEN",
        "effective_date": "2026-01-10",
        "idempotency_key": "pay-1",
        **changes,
    }


def balance(client: TestClient, world: World) -> int:
    path = f"{API}/accounts/{world.account_a.id}"
    return client.get(path, headers=b.headers(world.admin)).json()["balance_minor"]


def test_post_replay_and_reverse(client: TestClient, session: Session, world: World) -> None:
    headers = b.headers(world.supervisor)
    path = f"{API}/accounts/{world.account_a.id}/ledger"
    start = balance(client, world)
    posted = client.post(path, json=entry(), headers=headers)
    assert posted.status_code == 201, posted.text
    assert (posted.json()["amount_minor"], posted.json()["created_by_id"]) == (
        -15050,
        str(world.supervisor.id),
    )
    [event] = session.exec(
        select(AuditEvent).where(AuditEvent.entity_id == posted.json()["id"])
    ).all()
    assert (event.action, event.entity_type, event.account_id, event.actor_id) == (
        "ledger.payment",
        "ledger_entry",
        world.account_a.id,
        world.supervisor.id,
    )
    assert event.before is None
    assert event.after is not None and event.after["amount_minor"] == -15050
    replay = client.post(path, json=entry(), headers=headers)
    assert (replay.status_code, replay.json()["id"]) == (200, posted.json()["id"])
    counts = row_counts(session)
    conflict = client.post(path, json=entry(amount="150.51"), headers=headers)
    assert (conflict.status_code, conflict.json()["code"]) == (409, "idempotency_conflict")
    assert row_counts(session) == counts
    assert balance(client, world) == start - 15050

    reverse = f"{API}/ledger/{posted.json()['id']}/reverse"
    reversed_ = client.post(reverse, json={"idempotency_key": "undo-1"}, headers=headers)
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["amount_minor"] == 15050
    assert reversed_.json()["reverses_entry_id"] == posted.json()["id"]
    again = client.post(reverse, json={"idempotency_key": "undo-1"}, headers=headers)
    assert (again.status_code, again.json()["id"]) == (200, reversed_.json()["id"])
    twice = client.post(reverse, json={"idempotency_key": "undo-2"}, headers=headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "conflict")
    of_reversal = client.post(
        f"{API}/ledger/{reversed_.json()['id']}/reverse",
        json={"idempotency_key": "undo-3"},
        headers=headers,
    )
    assert of_reversal.status_code == 409
    assert balance(client, world) == start
    listed = client.get(path, headers=b.headers(world.agent_a)).json()["items"]
    assert [e["kind"] for e in listed] == ["charge", "payment", "reversal"]
    assert sum(e["amount_minor"] for e in listed) == start


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"currency": "USD"}, "currency_mismatch"),
        ({"currency": "CLP"}, "currency_mismatch"),
        ({"currency": "XXX"}, "currency_mismatch"),
        ({"amount": "10.001"}, "amount_precision"),
        ({"amount": "0.005"}, "amount_precision"),
        ({"amount": "0"}, "validation_error"),
        ({"amount": "-10"}, "validation_error"),
        ({"amount": "ten"}, "validation_error"),
        ({"amount": "Infinity"}, "validation_error"),
        ({"amount": "1" * 19}, "validation_error"),
        ({"kind": "refund"}, "validation_error"),
        ({"kind": "reversal"}, "validation_error"),  # reversals go through /reverse
        ({"kind": None}, "validation_error"),
        ({"effective_date": "2026-02-30"}, "validation_error"),
        ({"idempotency_key": ""}, "validation_error"),
        ({"idempotency_key": "k" * 201}, "validation_error"),
        ({"description": "d" * 301}, "validation_error"),
    ],
)
def test_bad_posts_are_422_and_write_nothing(
    client: TestClient, session: Session, world: World, changes: dict[str, Any], code: str
) -> None:
    before = row_counts(session)
    response = client.post(
        f"{API}/accounts/{world.account_a.id}/ledger",
        json=entry(**changes),
        headers=b.headers(world.admin),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert "{" not in response.json()["message"]
    assert row_counts(session) == before


def test_bad_ids_and_bodies(client: TestClient, session: Session, world: World) -> None:
    headers = b.headers(world.admin)
    before = row_counts(session)
    cases = [
        ("post", f"{API}/accounts/not-a-uuid/ledger", entry(), 422),
        ("post", f"{API}/accounts/{b.n()}/ledger", entry(), 422),
        ("post", f"{API}/accounts/{world.account_a.id}/ledger", [], 422),
        ("post", f"{API}/ledger/not-a-uuid/reverse", {"idempotency_key": "k"}, 422),
        ("post", f"{API}/ledger/{world.account_a.id}/reverse", {"idempotency_key": "k"}, 404),
        ("get", f"{API}/accounts/00000000-0000-0000-0000-00000000000g/ledger", None, 422),
    ]
    for method, path, body, status in cases:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
        assert response.json()["code"] in {"validation_error", "not_found"}
    raw = client.post(
        f"{API}/accounts/{world.account_a.id}/ledger",
        content=b'{"kind": "payment", "amount": ',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert (raw.status_code, raw.json()["code"]) == (422, "validation_error")
    assert row_counts(session) == before


def test_amount_as_json_number_is_read_exactly(client: TestClient, world: World) -> None:
    headers = b.headers(world.admin)
    path = f"{API}/accounts/{world.account_a.id}/ledger"
    ok = client.post(path, json=entry(amount=12.34, idempotency_key="num"), headers=headers)
    assert (ok.status_code, ok.json()["amount_minor"]) == (201, -1234)
    bad = client.post(path, json=entry(amount=12.345, idempotency_key="num2"), headers=headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "amount_precision")
