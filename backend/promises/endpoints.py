from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Response

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import CurrentUser, SessionDep, Staff, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.promises import repository, service
from backend.promises.service import PromiseRequest
from shared.money import from_decimal
from shared.schemas.common import Page
from shared.schemas.negotiation import PromiseCreate, PromiseKpis, PromiseRead

router = DomainRouter(tags=["promises"])


@router.post(
    "/accounts/{account_id}/promises",
    response_model=PromiseRead,
    status_code=201,
    responses={200: {"model": PromiseRead, "description": "Replay of the same client_id"}},
)
def create_promise(
    session: SessionDep,
    user: CurrentUser,
    account: VisibleAccount,
    body: PromiseCreate,
    response: Response,
) -> object:
    """Record a promise to pay; it supersedes the account's open promise, if any."""
    promise, created = service.create(
        session,
        actor_of(user),
        account.id,
        PromiseRequest(
            amount_minor=from_decimal(body.amount, body.currency),
            currency=body.currency,
            due_date=body.due_date,
            channel=body.channel,
            recorded_by_kind=user.role.value,
            client_id=body.client_id,
        ),
    )
    if not created:
        response.status_code = 200
    return promise


@router.get("/accounts/{account_id}/promises", response_model=Page[PromiseRead])
def list_promises(
    session: SessionDep,
    account: VisibleAccount,
    paging: Annotated[PageParams, Depends(page_params)],
) -> object:
    rows = repository.page(session, account_id=account.id, after=paging.cursor, limit=paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.get("/promises/kpis", response_model=list[PromiseKpis])
def promise_kpis(
    session: SessionDep,
    _: Staff,
    portfolio_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> object:
    """Promises made, kept, partially kept, broken and open, with amounts, per currency."""
    return service.kpis(session, portfolio_id=portfolio_id, date_from=date_from, date_to=date_to)
