from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import SessionDep
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.ledger import repository
from shared.schemas.common import Page
from shared.schemas.ledger import EntryRead

router = DomainRouter(tags=["ledger"])
# Posting and reversing entries by hand are in ``backend.payments.endpoints``: money comes in
# through payments, which lets plans and promises react.


@router.get("/accounts/{account_id}/ledger", response_model=Page[EntryRead])
def list_entries(
    session: SessionDep,
    account: VisibleAccount,
    paging: Annotated[PageParams, Depends(page_params)],
) -> object:
    rows = repository.entries(session, account.id, after=paging.cursor, limit=paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))
