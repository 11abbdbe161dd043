from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from backend.accounts import service as accounts
from backend.auth.deps import CurrentUser, SessionDep
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
    user: CurrentUser,
    account_id: uuid.UUID,
    paging: Annotated[PageParams, Depends(page_params)],
) -> object:
    account, _ = accounts.get_visible(session, user, account_id)
    rows = repository.entries(session, account.id, after=paging.cursor, limit=paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))
