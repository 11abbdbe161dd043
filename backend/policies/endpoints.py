"""Negotiation policies per portfolio, their ceilings, and the changes waiting for an admin."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Body, Depends
from fastapi.responses import JSONResponse

from backend.auth.deps import Admin, SessionDep, Staff, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownPortfolio
from backend.negotiation.policy import NegotiationPolicy
from backend.policies import service
from backend.policies.guards import VisibleChange
from shared.schemas.common import Page
from shared.schemas.policies import (
    PolicyApproval,
    PolicyCeilings,
    PolicyCeilingsUpdate,
    PolicyChangeRead,
    PolicyChangeStatus,
    PolicyRejection,
)

router = DomainRouter(tags=["policies"])
POLICY = "/portfolios/{portfolio_id}/negotiation-policy"


@router.get(POLICY, response_model=NegotiationPolicy)
def get_policy(_: Staff, portfolio: KnownPortfolio) -> NegotiationPolicy:
    """The portfolio's policy (the default policy until one is saved)."""
    return service.policy_of(portfolio)


@router.put(
    POLICY,
    response_model=NegotiationPolicy,
    responses={
        202: {"model": PolicyChangeRead, "description": "Beyond the ceilings: waits for an admin"}
    },
)
def put_policy(
    session: SessionDep,
    user: Staff,
    portfolio: KnownPortfolio,
    body: dict[str, Any] = Body(
        ..., examples=[{"min_instalments": 2, "max_instalments": 12, "frequencies": ["monthly"]}]
    ),
) -> NegotiationPolicy | JSONResponse:
    """Replace the policy. Contradictory limits answer 422 ``invalid_policy`` with details.

    An admin's policy applies; so does a supervisor's within the portfolio's ceilings
    (``GET .../ceilings``). A supervisor's policy beyond any ceiling applies nothing: it answers
    202 with a change waiting for an admin (``POST /policy-changes/{id}/approve``); sending the
    same policy again answers the same change."""
    result = service.put(session, actor_of(user), user, portfolio, body)
    if isinstance(result, NegotiationPolicy):
        return result
    read = service.to_read(result)
    return JSONResponse(read.model_dump(mode="json"), status_code=202)


@router.get(f"{POLICY}/ceilings", response_model=PolicyCeilings)
def get_ceilings(session: SessionDep, _: Staff, portfolio: KnownPortfolio) -> PolicyCeilings:
    """How far a supervisor may take the policy without an admin's approval."""
    return service.ceilings_of(session, portfolio)


@router.put(f"{POLICY}/ceilings", response_model=PolicyCeilings)
def put_ceilings(
    session: SessionDep, user: Admin, portfolio: KnownPortfolio, body: PolicyCeilingsUpdate
) -> PolicyCeilings:
    """Set the ceilings (admins); an omitted one is the default policy's value. The policy in
    force is not touched: ceilings bound the next change."""
    return service.set_ceilings(session, actor_of(user), portfolio, body)


@router.get("/policy-changes", response_model=Page[PolicyChangeRead])
def list_changes(
    session: SessionDep,
    user: Staff,
    paging: Annotated[PageParams, Depends(page_params)],
    portfolio_id: uuid.UUID | None = None,
    status: PolicyChangeStatus | None = None,
) -> object:
    """Newest first: every change for admins, a supervisor's own for them."""
    rows = service.changes_page(
        session,
        user,
        after=paging.cursor,
        limit=paging.limit,
        portfolio_id=portfolio_id,
        status=status,
    )
    items = [service.to_read(change) for change in rows[: paging.limit]]
    return Page(items=items, next_cursor=next_cursor(rows, paging.limit))


@router.get("/policy-changes/{change_id}", response_model=PolicyChangeRead)
def get_change(_: Staff, change: VisibleChange) -> PolicyChangeRead:
    return service.to_read(change)


@router.post("/policy-changes/{change_id}/approve", response_model=PolicyChangeRead)
def approve_change(
    session: SessionDep, user: Admin, change: VisibleChange, body: PolicyApproval
) -> PolicyChangeRead:
    """Apply the asked policy (admins). 409 ``policy_change_stale`` when the policy changed
    since it was asked for (reject it; the supervisor asks again), 409
    ``policy_change_decided`` when it was rejected."""
    return service.to_read(service.approve(session, actor_of(user), change, body.note))


@router.post("/policy-changes/{change_id}/reject", response_model=PolicyChangeRead)
def reject_change(
    session: SessionDep, user: Admin, change: VisibleChange, body: PolicyRejection
) -> PolicyChangeRead:
    """Refuse the asked policy (admins), with the reason."""
    return service.to_read(service.reject(session, actor_of(user), change, body.reason))
