"""A supervisor changes a portfolio's negotiation policy within the ceilings an admin set;
beyond them the change waits for an admin, who approves or rejects it (audited)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.app import create_app
from backend.audit.models import AuditEvent
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.creditors.models import Portfolio
from backend.negotiation.policy import NegotiationPolicy, PolicyOverride
from backend.policies import ceilings
from backend.policies.models import PolicyChange
from shared.schemas.enums import AgingBucket, Role
from shared.schemas.policies import PolicyCeilings
from tests import builders as b
from tests.api.conftest import World
from tests.live import serve

API = "/api/v1"
GREEDY = {"settlement_max_discount_bps": 9900, "settlement_discount_by_bucket": {"181+": 9900}}


def _url(world: World, tail: str = "") -> str:
    return f"{API}/portfolios/{world.portfolio.id}/negotiation-policy{tail}"


def _actions(session: Session, *actions: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.at)  # type: ignore[attr-defined]
    return list(session.execute(query).scalars())


def _stored(session: Session, world: World) -> dict[str, Any]:
    session.refresh(world.portfolio)
    return world.portfolio.negotiation_policy


def _ask(client: Any, world: World, body: dict[str, Any] = GREEDY) -> dict[str, Any]:
    answer = client.put(_url(world), json=body, headers=b.headers(world.supervisor))
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_every_ceiling_measures_a_policy() -> None:
    assert set(ceilings.DIMENSIONS) == set(PolicyCeilings.model_fields)


def test_the_default_ceilings_are_the_default_policys_measures(client: Any, world: World) -> None:
    got = client.get(_url(world, "/ceilings"), headers=b.headers(world.supervisor)).json()
    assert got["max_settlement_discount_bps"] == 4000 and got["max_instalments"] == 12
    assert got["min_down_payment_bps"] == 1000 and got["max_plan_days"] == 366


def test_a_change_within_the_ceilings_applies(client: Any, session: Session, world: World) -> None:
    body = {"min_instalments": 3, "settlement_max_discount_bps": 2000}
    answer = client.put(_url(world), json=body, headers=b.headers(world.supervisor))
    assert answer.status_code == 200 and answer.json()["min_instalments"] == 3
    assert _stored(session, world)["min_instalments"] == 3
    assert len(_actions(session, "policy.negotiation_updated")) == 1


@pytest.mark.parametrize(
    "body",
    [
        GREEDY,
        {"max_instalments": 24, "max_plan_days": 800},
        {"min_down_payment_bps": 0},
        # A segment override is as much a way to give the discount as the base table.
        {"overrides": [{"buckets": ["181+"], "settlement_max_discount_bps": 9900}]},
        {
            "overrides": [
                {"min_balance_minor": 1, "settlement_discount_by_bucket": {"91-180": 9000}}
            ]
        },
    ],
)
def test_a_change_beyond_the_ceilings_waits_for_an_admin(
    client: Any, session: Session, world: World, body: dict[str, Any]
) -> None:
    change = _ask(client, world, body)
    assert change["status"] == "pending" and change["exceeded"]
    assert _stored(session, world) == {}  # nothing applied
    assert _actions(session, "policy.negotiation_updated") == []
    [asked] = _actions(session, "policy.change_requested")
    assert asked.entity_id == change["id"] and asked.actor_id == world.supervisor.id
    # The same policy again is the same change (a retried request makes one).
    assert _ask(client, world, body)["id"] == change["id"]
    assert session.execute(select(func.count()).select_from(PolicyChange)).scalar_one() == 1


def test_the_exceeded_ceilings_are_named(client: Any, world: World) -> None:
    change = _ask(client, world)
    assert change["exceeded"] == [
        {"ceiling": "max_settlement_discount_bps", "limit": 4000, "value": 9900}
    ]


def test_an_admin_sets_the_ceilings(client: Any, session: Session, world: World) -> None:
    body = {"max_settlement_discount_bps": 9900}
    refused = client.put(_url(world, "/ceilings"), json=body, headers=b.headers(world.supervisor))
    assert refused.status_code == 403
    admin = b.headers(world.admin)
    set_ = client.put(_url(world, "/ceilings"), json=body, headers=admin)
    assert set_.status_code == 200 and set_.json()["max_settlement_discount_bps"] == 9900
    assert set_.json()["max_instalments"] == 12  # the others keep their defaults
    [event] = _actions(session, "policy.ceilings_updated")
    assert event.after == body and event.actor_id == world.admin.id
    applied = client.put(_url(world), json=GREEDY, headers=b.headers(world.supervisor))
    assert applied.status_code == 200
    assert _stored(session, world)["settlement_max_discount_bps"] == 9900
    invalid = client.put(_url(world, "/ceilings"), json={"max_discount": 1}, headers=admin)
    assert invalid.status_code == 422


def test_an_admins_policy_applies_whatever_the_ceilings(
    client: Any, session: Session, world: World
) -> None:
    answer = client.put(_url(world), json=GREEDY, headers=b.headers(world.admin))
    assert answer.status_code == 200
    assert _stored(session, world)["settlement_max_discount_bps"] == 9900


def test_an_approval_applies_the_policy_once(client: Any, session: Session, world: World) -> None:
    change = _ask(client, world)
    url = f"{API}/policy-changes/{change['id']}"
    approve = {"note": "Campaña de fin de año"}
    refused = client.post(f"{url}/approve", json=approve, headers=b.headers(world.supervisor))
    assert refused.status_code == 403
    admin = b.headers(world.admin)
    approved = client.post(f"{url}/approve", json=approve, headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by_id"] == str(world.admin.id)
    assert _stored(session, world)["settlement_max_discount_bps"] == 9900
    [applied] = _actions(session, "policy.negotiation_updated")
    assert applied.actor_id == world.admin.id
    [decided] = _actions(session, "policy.change_approved")
    assert decided.after == {
        "status": "approved",
        "portfolio_id": str(world.portfolio.id),
        "decision_note": approve["note"],
    }
    again = client.post(f"{url}/approve", json={}, headers=admin)
    assert again.status_code == 200 and again.json() == approved.json()
    assert len(_actions(session, "policy.negotiation_updated", "policy.change_approved")) == 2
    late = client.post(f"{url}/reject", json={"reason": "Not now"}, headers=admin)
    assert (late.status_code, late.json()["code"]) == (409, "policy_change_decided")


def test_a_rejection_applies_nothing(client: Any, session: Session, world: World) -> None:
    change = _ask(client, world)
    url = f"{API}/policy-changes/{change['id']}"
    admin = b.headers(world.admin)
    assert client.post(f"{url}/reject", json={}, headers=admin).status_code == 422
    rejected = client.post(f"{url}/reject", json={"reason": "Demasiado"}, headers=admin)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "Demasiado"
    assert _stored(session, world) == {}
    assert len(_actions(session, "policy.change_rejected")) == 1
    late = client.post(f"{url}/approve", json={}, headers=admin)
    assert (late.status_code, late.json()["code"]) == (409, "policy_change_decided")
    assert _stored(session, world) == {}


def test_a_change_over_a_policy_changed_since_is_stale(
    client: Any, session: Session, world: World
) -> None:
    change = _ask(client, world)
    within = client.put(
        _url(world), json={"min_instalments": 3}, headers=b.headers(world.other_supervisor)
    )
    assert within.status_code == 200
    stale = client.post(
        f"{API}/policy-changes/{change['id']}/approve", json={}, headers=b.headers(world.admin)
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "policy_change_stale")
    assert _stored(session, world)["settlement_max_discount_bps"] == 0
    assert _actions(session, "policy.change_approved") == []


def test_a_supervisor_sees_only_their_own_changes(client: Any, world: World) -> None:
    mine = _ask(client, world)
    theirs = client.put(_url(world), json=GREEDY, headers=b.headers(world.other_supervisor))
    assert theirs.status_code == 202 and theirs.json()["id"] != mine["id"]
    other = b.headers(world.other_supervisor)
    assert client.get(f"{API}/policy-changes/{mine['id']}", headers=other).status_code == 404
    listed = client.get(f"{API}/policy-changes", headers=other).json()["items"]
    assert [c["id"] for c in listed] == [theirs.json()["id"]]
    everything = client.get(
        f"{API}/policy-changes", params={"status": "pending"}, headers=b.headers(world.admin)
    ).json()["items"]
    assert {c["id"] for c in everything} == {mine["id"], theirs.json()["id"]}
    agent = b.headers(world.agent_a)
    assert client.get(f"{API}/policy-changes", headers=agent).status_code == 403


def test_concurrent_approvals_and_requests_apply_once(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six identical requests at once make one change; then four approvals at once (two
    admins, each twice) apply it once: one policy update, one approval event, every answer
    200."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    with session_scope(committed_engine) as session:
        portfolio = b.portfolio(session)
        supervisor = b.headers(b.user(session, Role.supervisor))
        admins = [b.headers(b.user(session, Role.admin)) for _ in range(2)]
        url = f"{API}/portfolios/{portfolio.id}/negotiation-policy"
        portfolio_id = portfolio.id

    def together(count: int, send: Any) -> list[httpx.Response]:
        start = threading.Barrier(count)
        answers: list[httpx.Response] = []
        lock = threading.Lock()

        def one(i: int) -> None:
            start.wait()
            answer = send(i)
            with lock:
                answers.append(answer)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    with serve(create_app()) as base, httpx.Client(base_url=base, timeout=60) as http:
        asked = together(6, lambda i: http.put(url, json=GREEDY, headers=supervisor))
        assert [a.status_code for a in asked] == [202] * 6
        [change_id] = {a.json()["id"] for a in asked}
        approve = f"{API}/policy-changes/{change_id}/approve"
        decided = together(4, lambda i: http.post(approve, json={}, headers=admins[i % 2]))
        assert [a.status_code for a in decided] == [200] * 4, [a.text for a in decided]
    with session_scope(committed_engine) as session:
        actions = [
            action
            for (action,) in session.execute(
                select(AuditEvent.action).where(
                    AuditEvent.action.like("policy.%")  # type: ignore[attr-defined]
                )
            )
        ]
        assert sorted(actions) == [
            "policy.change_approved",
            "policy.change_requested",
            "policy.negotiation_updated",
        ]
        stored = session.get(Portfolio, portfolio_id)
        assert (
            stored is not None and stored.negotiation_policy["settlement_max_discount_bps"] == 9900
        )


def test_the_measures_see_every_discount() -> None:
    policy = NegotiationPolicy(
        currency="PEN",
        overrides=(PolicyOverride(buckets=frozenset({AgingBucket.DAYS_1_30}), max_instalments=18),),
    )
    measured = ceilings.measures(policy)
    assert measured["max_instalments"] == 18 and measured["max_settlement_discount_bps"] == 4000
