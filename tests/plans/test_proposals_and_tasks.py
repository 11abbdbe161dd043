"""Counter-proposals: accepted, countered, or escalated to a supervisor for approval."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from backend.tasks.models import Task
from shared.schemas.enums import Role
from tests import builders as b
from tests.plans.helpers import days, lima, team


def _propose(client, who, account_id, **body):
    return client.post(
        f"/api/v1/accounts/{account_id}/proposals", headers=b.headers(who), json=body
    )


def test_proposal_within_limits_is_accepted_and_can_be_taken(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=90_000)
    response = _propose(
        client,
        agent,
        account.id,
        kind="plan_by_count",
        instalments=3,
        first_due=days(5).isoformat(),
        down_payment="90.00",
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["outcome"] == "accepted" and result["violations"] == []
    plan = client.post(
        f"/api/v1/offers/{result['offer']['id']}/accept", headers=b.headers(agent), json={}
    )
    assert plan.status_code == 201
    assert plan.json()["instalments"][0]["amount_minor"] == 9_000


def test_too_small_instalment_gets_a_counter_offer(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=90_000)
    result = _propose(
        client, agent, account.id, kind="plan_by_amount", instalment_amount="10"
    ).json()
    assert result["outcome"] == "counter_offer"
    assert {v["code"] for v in result["violations"]} >= {"instalment_below_minimum"}
    counter = result["offer"]
    assert all(i["amount_minor"] >= 5_000 for i in counter["instalments"][1:])
    assert result["task_id"] is None


def test_insisting_creates_an_approval_for_the_supervisor(client, session: Session) -> None:
    supervisor, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=90_000)
    result = _propose(
        client,
        agent,
        account.id,
        kind="plan_by_count",
        instalments=12,
        insist=True,
        channel="whatsapp",
    ).json()
    assert result["outcome"] == "needs_approval" and result["task_id"]
    task = session.get(Task, uuid.UUID(result["task_id"]))
    assert task.assignee_id == supervisor.id and task.kind == "approval_request"
    mine = client.get("/api/v1/tasks", headers=b.headers(supervisor), params={"status": "open"})
    assert [t["id"] for t in mine.json()["items"]] == [result["task_id"]]
    refused = client.post(f"/api/v1/tasks/{task.id}/approve", headers=b.headers(agent))
    assert refused.status_code == 403
    approved = client.post(f"/api/v1/tasks/{task.id}/approve", headers=b.headers(supervisor))
    assert approved.status_code == 201, approved.text
    plan = approved.json()
    assert len([i for i in plan["instalments"] if i["number"] > 0]) == 12
    assert plan["channel"] == "whatsapp"
    twice = client.post(f"/api/v1/tasks/{task.id}/approve", headers=b.headers(supervisor))
    assert twice.status_code == 409


def test_malformed_proposals_are_422_and_write_nothing(client, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    missing = _propose(client, agent, account.id, kind="plan_by_amount")
    assert missing.status_code == 422 and missing.json()["code"] == "validation_error"
    precise = _propose(client, agent, account.id, kind="settlement", settlement_amount="10.001")
    assert precise.status_code == 422 and precise.json()["code"] == "amount_precision"
    assert session.exec(select(Task).where(Task.account_id == account.id)).first() is None


def test_policy_endpoint_validates_and_audits(client, session: Session) -> None:
    supervisor, agent = team(session)
    portfolio = lima(session)
    url = f"/api/v1/portfolios/{portfolio.id}/negotiation-policy"
    assert client.get(url, headers=b.headers(supervisor)).json()["max_instalments"] == 6
    bad = client.put(
        url, headers=b.headers(supervisor), json={"min_instalments": 9, "max_instalments": 3}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_policy"
    assert bad.json()["details"][0]["msg"].count("min_instalments")
    assert client.put(url, headers=b.headers(agent), json={}).status_code == 403
    admin = b.headers(b.user(session, Role.admin))  # beyond a supervisor's ceilings
    good = client.put(url, headers=admin, json={"max_instalments": 24, "max_plan_days": 800})
    assert good.status_code == 200 and good.json()["max_instalments"] == 24
    session.refresh(portfolio)
    assert portfolio.negotiation_policy["max_instalments"] == 24
