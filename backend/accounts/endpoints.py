from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from backend.accounts import repository, service
from backend.accounts.guards import AccountView, VisibleAccount
from backend.aging import Clock
from backend.auth.deps import CurrentUser, SessionDep, Staff, actor_of
from backend.core.pagination import CursorQuery, PageParams, number_cursor, page_query
from backend.core.responses import json_response
from backend.core.routing import DomainRouter
from backend.debtors import search
from backend.ledger import repository as ledger_repository
from backend.privacy import reads
from shared.schemas.accounts import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    AssignRequest,
    AssignResult,
    TimelineItem,
)
from shared.schemas.common import Page
from shared.schemas.enums import AccountStatus, AgingBucket
from shared.text import fold

router = DomainRouter(prefix="/accounts", tags=["accounts"])


@router.get("", response_model=Page[AccountRead])
def list_accounts(
    session: SessionDep,
    user: CurrentUser,
    paging: Annotated[PageParams, Depends(page_query)],
    status: AccountStatus | None = None,
    aging_bucket: AgingBucket | None = None,
    assigned_agent_id: uuid.UUID | None = None,
    unassigned: bool = False,
    portfolio_id: uuid.UUID | None = None,
    debtor_id: uuid.UUID | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="name, national ID, phone or reference")
    ] = None,
) -> object:
    filters = repository.ListFilters(
        status=status,
        bucket=service.bucket_filter(Clock(session), aging_bucket) if aging_bucket else None,
        agent_id=assigned_agent_id,
        unassigned=unassigned,
        portfolio_id=portfolio_id,
        debtor_id=debtor_id,
        text=fold(q) if q and q.strip() else None,
        ref=q.strip() if q else None,
        keys=tuple(search.search_keys(session, q)) if q and q.strip() else (),
    )
    page = service.read_page(
        session, user, after=paging.cursor, limit=paging.limit, filters=filters
    )
    shown = [a.debtor.id for a in page.items if a.debtor is not None]
    reads.note(actor_of(user), shown, reads.ACCOUNTS_LISTED)
    return json_response(page)


@router.post("", response_model=AccountRead, status_code=201)
def create_account(session: SessionDep, user: Staff, data: AccountCreate) -> object:
    account = service.create(session, actor_of(user), user, data)
    return service.to_read(account, None, Clock(session).today(account.portfolio_id))


@router.post("/assign", response_model=AssignResult)
def assign_accounts(session: SessionDep, user: Staff, data: AssignRequest) -> AssignResult:
    """Assign (or with ``agent_id: null`` unassign) many accounts at once; all or nothing."""
    return AssignResult(assigned=service.assign(session, actor_of(user), user, data))


@router.get("/{account_id}", response_model=AccountRead)
def get_account(user: CurrentUser, account: AccountView) -> object:
    if account.debtor is not None:
        reads.note(actor_of(user), [account.debtor.id], reads.ACCOUNT_VIEWED)
    return json_response(account)


@router.patch("/{account_id}", response_model=AccountRead)
def update_account(
    session: SessionDep, user: Staff, account: VisibleAccount, data: AccountUpdate
) -> object:
    service.update(session, actor_of(user), user, account, data)
    return service.to_read(account, None, Clock(session).today(account.portfolio_id))


@router.get("/{account_id}/timeline", response_model=Page[TimelineItem])
def account_timeline(
    session: SessionDep,
    account: VisibleAccount,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> object:
    """Ledger entries and audit events merged, newest first. Like every list, pass
    ``next_cursor`` back as ``cursor`` (here an opaque page number)."""
    page = _timeline_page(cursor)
    window = page * limit + 1
    items = [
        TimelineItem(
            at=e.created_at,
            type="ledger",
            action=f"ledger.{e.kind.value}",
            actor_id=e.created_by_id,
            data={
                "entry_id": str(e.id),
                "amount_minor": e.amount_minor,
                "currency": e.currency,
                "effective_date": e.effective_date.isoformat(),
                "source": e.source,
                "description": e.description,
            },
        )
        for e in ledger_repository.newest(session, account.id, window)
    ]
    items += [
        TimelineItem(
            at=ev.at,
            type="audit",
            action=ev.action,
            actor_id=ev.actor_id,
            data={
                "entity_type": ev.entity_type,
                "entity_id": ev.entity_id,
                "before": ev.before,
                "after": ev.after,
            },
        )
        for ev in repository.audit_events(session, account.id, window)
        if not ev.action.startswith("ledger.")  # the ledger row already tells it
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    chunk = items[(page - 1) * limit : page * limit + 1]
    more = len(chunk) > limit
    return Page(items=chunk[:limit], next_cursor=str(page + 1) if more else None)


def _timeline_page(cursor: str | None) -> int:
    return number_cursor(cursor, low=1, high=1000) or 1
