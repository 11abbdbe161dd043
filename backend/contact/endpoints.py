from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import Admin, SessionDep, Staff, actor_of
from backend.contact import repository, service
from backend.contact.models import ContactAttempt
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownPortfolio
from shared.schemas.common import Page
from shared.schemas.contact import ContactAttemptRead, ContactRulesRead

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


log = DomainRouter(prefix="/accounts/{account_id}/contacts", tags=["contact"])


@log.get("", response_model=Page[ContactAttemptRead])
def account_contacts(
    session: SessionDep,
    account: VisibleAccount,
    paging: Annotated[PageParams, Depends(page_params)],
) -> Page[ContactAttempt]:
    """The account's contact-attempt log, newest first: every visit, reminder planned, sent,
    delivered, read or failed, and every one held back, with the rule that decided it."""
    rows = repository.of_account(session, account.id, paging.cursor, paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))
