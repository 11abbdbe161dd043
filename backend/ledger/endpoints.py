from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from backend.accounts import service as accounts
from backend.core.deps import CurrentUser, SessionDep, Staff, actor_of
from backend.core.errors import CurrencyMismatch
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.ledger import repository, service
from backend.ledger.models import LedgerEntry
from shared.money import from_decimal
from shared.schemas.common import Page
from shared.schemas.ledger import EntryCreate, EntryRead, ReversalCreate

router = APIRouter(tags=["ledger"])


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


@router.post(
    "/accounts/{account_id}/ledger",
    response_model=EntryRead,
    status_code=201,
    responses={200: {"model": EntryRead, "description": "Replay of an earlier post"}},
)
def post_entry(
    session: SessionDep, user: Staff, account_id: uuid.UUID, data: EntryCreate, response: Response
) -> object:
    """Admins and supervisors post charges, interest, fees, payments and discounts.
    The same ``idempotency_key`` again answers 200 with the first entry."""
    account, _ = accounts.get_visible(session, user, account_id)
    if data.currency != account.currency:  # before reading the amount in the wrong currency
        raise CurrencyMismatch(given=data.currency, expected=account.currency)
    posted = service.post(
        session,
        actor_of(user),
        account.id,
        kind=data.kind,
        amount_minor=from_decimal(data.amount, data.currency),
        limit_overpayment=not data.approve_overpayment,
        currency=data.currency,
        effective_date=data.effective_date,
        source="manual",
        idempotency_key=data.idempotency_key,
        description=data.description,
    )
    if not posted.created:
        response.status_code = 200
    return posted.entry


@router.post(
    "/ledger/{entry_id}/reverse",
    response_model=EntryRead,
    status_code=201,
    responses={200: {"model": EntryRead, "description": "Replay of an earlier reversal"}},
)
def reverse_entry(
    session: SessionDep, user: Staff, entry_id: uuid.UUID, data: ReversalCreate, response: Response
) -> object:
    original = session.get(LedgerEntry, entry_id)
    if original is not None:
        accounts.get_visible(session, user, original.account_id)  # 404 outside the caller's scope
    posted = service.reverse(
        session,
        actor_of(user),
        entry_id,
        idempotency_key=data.idempotency_key,
        source="manual",
        description=data.description,
        effective_date=data.effective_date,
    )
    if not posted.created:
        response.status_code = 200
    return posted.entry
