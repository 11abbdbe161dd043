from __future__ import annotations

import uuid
from typing import Any

from fastapi import Body

from backend.auth.deps import SessionDep, Staff, actor_of
from backend.core.routing import DomainRouter
from backend.creditors.service import get_portfolio
from backend.negotiation.policy import NegotiationPolicy
from backend.policies import service

router = DomainRouter(prefix="/portfolios/{portfolio_id}/negotiation-policy", tags=["policies"])


@router.get("", response_model=NegotiationPolicy)
def get_policy(session: SessionDep, _: Staff, portfolio_id: uuid.UUID) -> NegotiationPolicy:
    """The portfolio's policy (the default policy until one is saved)."""
    return service.policy_of(get_portfolio(session, portfolio_id))


@router.put("", response_model=NegotiationPolicy)
def put_policy(
    session: SessionDep,
    user: Staff,
    portfolio_id: uuid.UUID,
    body: dict[str, Any] = Body(
        ..., examples=[{"min_instalments": 2, "max_instalments": 12, "frequencies": ["monthly"]}]
    ),
) -> NegotiationPolicy:
    """Replace the policy. Contradictory limits answer 422 ``invalid_policy`` with details."""
    return service.replace(session, actor_of(user), portfolio_id, body)
