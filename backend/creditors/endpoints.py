from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from backend.auth.deps import Admin, CurrentUser, SessionDep, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.creditors import repository, service
from backend.creditors.guards import KnownCreditor, KnownPortfolio
from shared.schemas.common import Page
from shared.schemas.creditors import (
    CreditorCreate,
    CreditorRead,
    CreditorUpdate,
    PortfolioCreate,
    PortfolioRead,
    PortfolioUpdate,
)

router = DomainRouter(tags=["creditors"])
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("/creditors", response_model=Page[CreditorRead])
def list_creditors(session: SessionDep, user: CurrentUser, paging: Paging) -> object:
    only = service.viewers_creditor(user)
    rows = repository.creditors_page(session, after=paging.cursor, limit=paging.limit, only=only)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.post("/creditors", response_model=CreditorRead, status_code=201)
def create_creditor(session: SessionDep, admin: Admin, data: CreditorCreate) -> object:
    return service.create_creditor(session, actor_of(admin), data)


@router.get("/creditors/{creditor_id}", response_model=CreditorRead)
def get_creditor(_: CurrentUser, creditor: KnownCreditor) -> object:
    return creditor


@router.patch("/creditors/{creditor_id}", response_model=CreditorRead)
def update_creditor(
    session: SessionDep, admin: Admin, creditor: KnownCreditor, data: CreditorUpdate
) -> object:
    return service.update_creditor(session, actor_of(admin), creditor, data)


@router.get("/portfolios", response_model=Page[PortfolioRead])
def list_portfolios(
    session: SessionDep, user: CurrentUser, paging: Paging, creditor_id: uuid.UUID | None = None
) -> object:
    if (only := service.viewers_creditor(user)) is not None:
        creditor_id = only  # a creditor's user lists their own creditor's portfolios
    rows = repository.portfolios_page(
        session, after=paging.cursor, limit=paging.limit, creditor_id=creditor_id
    )
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.post("/portfolios", response_model=PortfolioRead, status_code=201)
def create_portfolio(session: SessionDep, admin: Admin, data: PortfolioCreate) -> object:
    return service.create_portfolio(session, actor_of(admin), data)


@router.get("/portfolios/{portfolio_id}", response_model=PortfolioRead)
def get_portfolio(_: CurrentUser, portfolio: KnownPortfolio) -> object:
    return portfolio


@router.patch("/portfolios/{portfolio_id}", response_model=PortfolioRead)
def update_portfolio(
    session: SessionDep, admin: Admin, portfolio: KnownPortfolio, data: PortfolioUpdate
) -> object:
    return service.update_portfolio(session, actor_of(admin), portfolio, data)
