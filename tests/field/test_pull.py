"""Sync pull: bundles of the agent's accounts at first, then only what changed since the
cursor, and the ids of accounts taken away."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from backend.field.sync import encode_cursor
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima, pay


def _ids(body) -> set[str]:
    return {bundle["account"]["id"] for bundle in body["changes"]["accounts"]}


def test_first_sync_pulls_every_open_account_as_a_bundle(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    one = h.located_account(session, portfolio, agent, h.north(100))
    two = h.located_account(session, portfolio, agent, None)
    paid = h.located_account(session, portfolio, agent, h.north(300))
    pay(session, paid, 100_000, "done")
    h.located_account(session, portfolio, b.user(session, Role.agent), h.north(400))

    body = h.sync(client, agent, [h.visit(one, h.north(100), note="Perro bravo")])

    assert _ids(body) == {str(one.id), str(two.id)}
    bundle = next(x for x in body["changes"]["accounts"] if x["account"]["id"] == str(one.id))
    assert bundle["debtor"]["phones"] and bundle["debtor"]["addresses"][0]["latitude"]
    assert bundle["ledger"][0]["kind"] == "charge"
    assert bundle["visits"][0]["note"] == "Perro bravo"
    assert bundle["plan"] is None and bundle["promise"] is None
    assert body["changes"]["removed_account_ids"] == []
    assert body["cursor"] and body["server_time"]


def test_changes_since_the_cursor(session: Session, client) -> None:
    portfolio = lima(session)
    supervisor, agent = h.team(session)
    other = b.user(session, Role.agent, supervisor=supervisor)
    h.located_account(session, portfolio, agent, h.north(100))  # untouched: not in changes
    paying = h.located_account(session, portfolio, agent, h.north(200))
    leaving = h.located_account(session, portfolio, agent, h.north(300))
    arriving = h.located_account(session, portfolio, other, h.north(400))
    cursor = encode_cursor(datetime.now(UTC))  # as if the phone synced right then

    pay(session, paying, 30_000, "bank-transfer")
    reassign = client.post(
        "/api/v1/accounts/assign",
        json={"account_ids": [str(leaving.id)], "agent_id": str(other.id)},
        headers=b.headers(supervisor),
    )
    assert reassign.status_code == 200
    give = client.post(
        "/api/v1/accounts/assign",
        json={"account_ids": [str(arriving.id)], "agent_id": str(agent.id)},
        headers=b.headers(supervisor),
    )
    assert give.status_code == 200

    body = h.sync(client, agent, [], cursor=cursor)

    assert _ids(body) == {str(paying.id), str(arriving.id)}
    changed = next(x for x in body["changes"]["accounts"] if x["account"]["id"] == str(paying.id))
    assert changed["account"]["balance_minor"] == 70_000
    assert changed["ledger"][0]["kind"] == "payment"
    assert body["changes"]["removed_account_ids"] == [str(leaving.id)]

    later = h.sync(client, other, [], cursor=cursor)
    assert later["changes"]["removed_account_ids"] == [str(arriving.id)]
    assert str(leaving.id) in _ids(later)


def test_an_agents_own_actions_come_back_in_the_changes(session: Session, client) -> None:
    portfolio = lima(session)
    _, agent = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    cursor = encode_cursor(datetime.now(UTC))

    body = h.sync(client, agent, [h.payment(account, "100.00", "R-1")], cursor=cursor)

    assert [b["account"]["balance_minor"] for b in body["changes"]["accounts"]] == [90_000]


def test_a_bad_cursor_is_a_validation_error(session: Session, client) -> None:
    _, agent = h.team(session)
    for cursor in ("not-a-cursor", encode_cursor(datetime.now(UTC))[:-3] + "@@@", "djF8eA"):
        response = client.post(
            "/api/v1/field/sync",
            json={"device_id": "d", "cursor": cursor, "actions": []},
            headers=b.headers(agent),
        )
        assert response.status_code == 422, cursor
        assert response.json()["code"] == "invalid_cursor"


def test_account_bundle_endpoint_follows_visibility(session: Session, client) -> None:
    portfolio = lima(session)
    supervisor, agent = h.team(session)
    other_supervisor, _ = h.team(session)
    account = h.located_account(session, portfolio, agent, h.north(100))
    url = f"/api/v1/field/accounts/{account.id}"

    mine = client.get(url, headers=b.headers(agent))
    assert mine.status_code == 200 and mine.json()["account"]["id"] == str(account.id)
    assert client.get(url, headers=b.headers(supervisor)).status_code == 200
    assert client.get(url, headers=b.headers(other_supervisor)).status_code == 404
    stranger = b.user(session, Role.agent)
    assert client.get(url, headers=b.headers(stranger)).status_code == 404
