"""Negotiation overrides per segment: an account in the segment negotiates within the
override's limits, another within the base policy; an override beyond the ceilings waits for an
admin like any other change."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.creditors.models import Portfolio
from backend.negotiation.policy import NegotiationPolicy
from backend.policies.service import policy_of, resolved_sql
from backend.segments import service as segments
from backend.segments.models import SegmentRule
from tests import builders as b
from tests.plans.helpers import days, lima, team, today

RISKY = {
    "segments": ["alto_riesgo"],
    "max_instalments": 3,
    "settlement_max_discount_bps": 3000,
    "grace_days": 1,
}


def _world(session: Session) -> tuple[Any, Any, Account, Account]:
    supervisor, agent = team(session)
    portfolio = lima(session, overrides=[RISKY])
    session.add(
        SegmentRule(
            portfolio_id=portfolio.id,
            segment="alto_riesgo",
            position=10,
            conditions={"min_balance_minor": 80_000},
        )
    )
    session.flush()
    risky = b.account(session, portfolio, agent=agent, principal=100_000, days_past_due=50)
    plain = b.account(session, portfolio, agent=agent, principal=60_000, days_past_due=50)
    segments.evaluate(session, portfolio)
    return supervisor, agent, risky, plain


def _offers(client: Any, who: Any, account: Account) -> list[dict[str, Any]]:
    answer = client.post(f"/api/v1/accounts/{account.id}/offers", headers=b.headers(who), json={})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_offers_follow_the_accounts_segment(client: Any, session: Session) -> None:
    _, agent, risky, plain = _world(session)
    in_segment = _offers(client, agent, risky)
    outside = _offers(client, agent, plain)
    # 30 % off for the segment; the base table's 10 % for 31-60 days otherwise.
    assert in_segment[0]["discount_minor"] == 30_000
    assert outside[0]["discount_minor"] == 6_000
    assert max(len(o["instalments"]) for o in in_segment[1:]) <= 3 + 1  # with the down payment
    assert max(len(o["instalments"]) for o in outside[1:]) > 3 + 1


def test_proposals_are_judged_by_the_segments_limits(client: Any, session: Session) -> None:
    _, agent, risky, plain = _world(session)
    body = {
        "kind": "plan_by_count",
        "instalments": 5,
        "first_due": days(5).isoformat(),
    }
    url = "/api/v1/accounts/{}/proposals"
    countered = client.post(url.format(risky.id), headers=b.headers(agent), json=body).json()
    assert countered["outcome"] == "counter_offer"
    assert "too_many_instalments" in {v["code"] for v in countered["violations"]}
    accepted = client.post(url.format(plain.id), headers=b.headers(agent), json=body).json()
    assert accepted["outcome"] == "accepted", accepted


def test_the_set_based_readers_see_the_segment(session: Session) -> None:
    _, _, risky, plain = _world(session)
    portfolio_id = risky.portfolio_id
    portfolio = session.get(Portfolio, portfolio_id)
    policies = {portfolio_id: policy_of(portfolio)}
    table = Account.__table__
    grace = resolved_sql("grace_days", policies, {portfolio_id: today()}, table)
    query = select(table.c.id, grace).where(table.c.portfolio_id == portfolio_id)
    rows = {account_id: days for account_id, days in session.execute(query)}
    assert rows == {risky.id: 1, plain.id: 3}


@pytest.mark.parametrize("bad", [{"segments": []}, {"segments": [""]}, {"max_instalments": 4}])
def test_an_override_needs_a_criterion_and_names_a_segment(bad: dict[str, Any]) -> None:
    NegotiationPolicy(currency="PEN", overrides=[{"segments": ["x"], "max_instalments": 4}])
    with pytest.raises(ValidationError):
        NegotiationPolicy(currency="PEN", overrides=[bad])


def test_a_segment_override_beyond_the_ceilings_waits_for_an_admin(
    client: Any, session: Session
) -> None:
    supervisor, _, risky, _ = _world(session)
    url = f"/api/v1/portfolios/{risky.portfolio_id}/negotiation-policy"
    # The helpers' base policy gives 10 days to the first payment, beyond the default ceiling.
    stored = {**client.get(url, headers=b.headers(supervisor)).json(), "max_days_first_payment": 7}
    within = {**stored, "overrides": [{**RISKY, "settlement_max_discount_bps": 3500}]}
    applied = client.put(url, headers=b.headers(supervisor), json=within)
    assert applied.status_code == 200, applied.text
    assert applied.json()["overrides"][0]["segments"] == ["alto_riesgo"]
    beyond = {**stored, "overrides": [{**RISKY, "settlement_max_discount_bps": 6000}]}
    asked = client.put(url, headers=b.headers(supervisor), json=beyond)
    assert asked.status_code == 202, asked.text
    assert asked.json()["exceeded"][0]["ceiling"] == "max_settlement_discount_bps"
    actions = [
        e.action
        for e in session.execute(
            select(AuditEvent).where(AuditEvent.entity_id == str(risky.portfolio_id))
        ).scalars()
    ]
    assert "policy.negotiation_updated" in actions
    offers = _offers(client, supervisor, risky)
    assert offers[0]["discount_minor"] == 35_000  # the applied override, not the pending one
