from __future__ import annotations

from typing import Any

from fastapi import Body

from backend.auth.deps import SessionDep, Staff, actor_of
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownPortfolio
from backend.negotiation.policy import NegotiationPolicy
from backend.policies import service

router = DomainRouter(prefix="/portfolios/{portfolio_id}/negotiation-policy", tags=["policies"])


@router.get("", response_model=NegotiationPolicy)
def get_policy(_: Staff, portfolio: KnownPortfolio) -> NegotiationPolicy:
    """The portfolio's policy (the default policy until one is saved)."""
    return service.policy_of(portfolio)


@router.put("", response_model=NegotiationPolicy)
def put_policy(
    session: SessionDep,
    user: Staff,
    portfolio: KnownPortfolio,
    body: dict[str, Any] = Body(
        ..., examples=[{"min_instalments": 2, "max_instalments": 12, "frequencies": ["monthly"]}]
    ),
) -> NegotiationPolicy:
    """Replace the policy. Contradictory limits answer 422 ``invalid_policy`` with details."""
    return service.replace(session, actor_of(user), portfolio.id, body)
