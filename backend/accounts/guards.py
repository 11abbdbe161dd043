"""The account a path names (``/accounts/{account_id}...``), loaded and checked in the
endpoint's unit of work (``backend.core.guards``): 404 outside the caller's scope
(``backend.accounts.scope``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.accounts import scope, service
from backend.accounts.models import Account
from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from shared.schemas.accounts import AccountRead


def _visible_account(session: Session, user: CurrentUser, account_id: uuid.UUID) -> Account:
    return scope.visible_account(session, user, account_id)


def _account_view(session: Session, user: CurrentUser, account_id: uuid.UUID) -> AccountRead:
    return service.read_visible(session, user, account_id)


VisibleAccount = Annotated[Account, guard(_visible_account)]
# The read path: the account as the API shows it, in one query of plain columns.
AccountView = Annotated[AccountRead, guard(_account_view)]
