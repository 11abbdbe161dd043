from __future__ import annotations

from typing import Any

from fastapi import Body

from backend.auth.deps import Admin, SessionDep, Staff, actor_of
from backend.contact import service
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownPortfolio
from shared.schemas.contact import ContactRulesRead

router = DomainRouter(prefix="/portfolios/{portfolio_id}/contact-rules", tags=["contact"])


@router.get("", response_model=ContactRulesRead)
def get_rules(_: Staff, portfolio: KnownPortfolio) -> ContactRulesRead:
    """The portfolio's contact rules: its country's, its overrides, and the two combined."""
    return service.read(portfolio)


@router.put("", response_model=ContactRulesRead)
def put_rules(
    session: SessionDep,
    user: Admin,
    portfolio: KnownPortfolio,
    body: dict[str, Any] = Body(..., examples=[{"channels_per_week": 2}]),
) -> ContactRulesRead:
    """Replace the portfolio's overrides of its country's rules (admins only: these are the
    law's limits). Impossible rules answer 422 ``invalid_contact_rules`` with the reason."""
    return service.replace(session, actor_of(user), portfolio, body)
