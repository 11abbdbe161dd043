from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import CurrentUser, SessionDep, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.plans import repository, service
from backend.plans.guards import VisibleOffer, VisiblePlan
from shared.schemas.common import Page
from shared.schemas.negotiation import (
    ChannelBody,
    OfferRead,
    PlanCancel,
    PlanRead,
    ProposalRequest,
    ProposalResult,
)

router = DomainRouter(tags=["negotiation"])


@router.post("/accounts/{account_id}/offers", response_model=list[OfferRead], status_code=201)
def create_offers(
    session: SessionDep, user: CurrentUser, account: VisibleAccount, body: ChannelBody
) -> object:
    """One-tap options within the portfolio's limits (settlement, fewest instalments, ...)."""
    rows = service.generate_offers(session, actor_of(user), account.id, body.channel)
    return [service.offer_to_read(r) for r in rows]


@router.post("/accounts/{account_id}/proposals", response_model=ProposalResult)
def propose(
    session: SessionDep, user: CurrentUser, account: VisibleAccount, body: ProposalRequest
) -> ProposalResult:
    """Evaluate a counter-proposal: accepted, a counter-offer, or a supervisor approval."""
    outcome = service.propose(session, actor_of(user), account.id, body)
    return ProposalResult(
        outcome=outcome.status.value,
        offer=service.offer_to_read(outcome.offer) if outcome.offer else None,
        violations=outcome.violations,
        task_id=outcome.task.id if outcome.task else None,
    )


@router.get("/offers/{offer_id}", response_model=OfferRead)
def get_offer(offer: VisibleOffer) -> object:
    return service.offer_to_read(offer)


@router.post("/offers/{offer_id}/accept", response_model=PlanRead, status_code=201)
def accept_offer(
    session: SessionDep, user: CurrentUser, offer: VisibleOffer, body: ChannelBody
) -> object:
    """Accept an offer: 409 with the reason when it expired, was accepted or superseded, or the
    balance changed since it was made."""
    plan = service.accept(session, actor_of(user), offer.id, body.channel)
    return service.plan_to_read(session, plan)


@router.get("/accounts/{account_id}/plans", response_model=Page[PlanRead])
def list_plans(
    session: SessionDep,
    account: VisibleAccount,
    paging: Annotated[PageParams, Depends(page_params)],
) -> object:
    rows = repository.plans_page(session, account.id, paging.cursor, paging.limit)
    items = [service.plan_to_read(session, p) for p in rows[: paging.limit]]
    return Page(items=items, next_cursor=next_cursor(rows, paging.limit))


@router.get("/plans/{plan_id}", response_model=PlanRead)
def get_plan(session: SessionDep, plan: VisiblePlan) -> object:
    return service.plan_to_read(session, plan)


@router.post("/plans/{plan_id}/cancel", response_model=PlanRead)
def cancel_plan(
    session: SessionDep, user: CurrentUser, plan: VisiblePlan, body: PlanCancel
) -> object:
    service.cancel(session, actor_of(user), plan, body.reason, body.channel)
    return service.plan_to_read(session, plan)
