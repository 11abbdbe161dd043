from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from backend.accounts.scope import debtor_visibility
from backend.auth.deps import Admin, CurrentUser, SessionDep, Staff, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.debtors import repository, search, service
from backend.debtors.guards import VisibleDebtor
from backend.privacy import reads
from shared.schemas.common import Page
from shared.schemas.debtors import DebtorCreate, DebtorRead, DebtorUpdate, OptIn
from shared.text import fold

router = DomainRouter(prefix="/debtors", tags=["debtors"])


@router.get("", response_model=Page[DebtorRead])
def list_debtors(
    session: SessionDep,
    user: CurrentUser,
    paging: Annotated[PageParams, Depends(page_params)],
    portfolio_id: uuid.UUID | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="name, national ID or phone")
    ] = None,
) -> object:
    rows = repository.page(
        session,
        visible=debtor_visibility(user),
        after=paging.cursor,
        limit=paging.limit,
        portfolio_id=portfolio_id,
        text=fold(q) if q else None,
        keys=search.search_keys(session, q) if q else [],
    )
    items = service.to_read(session, rows[: paging.limit])
    reads.note(actor_of(user), [d.id for d in items], reads.SEARCHED if q else reads.LISTED)
    return Page(items=items, next_cursor=next_cursor(rows, paging.limit))


@router.post("", response_model=DebtorRead, status_code=201)
def create_debtor(session: SessionDep, user: Staff, data: DebtorCreate) -> object:
    """A document already in the portfolio answers 409: ``conflict`` with
    ``details.debtor_id`` when you may see that debtor, ``not_available`` otherwise (which
    tells nothing of whose it is)."""
    debtor = service.create(session, actor_of(user), user, data)
    return service.to_read(session, [debtor])[0]


@router.get("/{debtor_id}", response_model=DebtorRead)
def get_debtor(session: SessionDep, user: CurrentUser, debtor: VisibleDebtor) -> object:
    found = service.to_read(session, [debtor])[0]
    reads.note(actor_of(user), [debtor.id], reads.VIEWED)
    return found


@router.patch("/{debtor_id}", response_model=DebtorRead)
def update_debtor(
    session: SessionDep, user: CurrentUser, debtor: VisibleDebtor, data: DebtorUpdate
) -> object:
    service.update(session, actor_of(user), debtor, data)
    return service.to_read(session, [debtor])[0]


@router.post("/{debtor_id}/opt-in", response_model=DebtorRead)
def opt_in(session: SessionDep, user: Admin, debtor: VisibleDebtor, data: OptIn) -> object:
    """Lift opt-outs the debtor withdrew by other means than the bot or the portal (admins,
    with the reason, which the audit event keeps). Staff may only add opt-outs (PATCH)."""
    service.opt_in(session, actor_of(user), debtor, data)
    return service.to_read(session, [debtor])[0]
