"""The ledger entry a path names (``/ledger/{entry_id}/...``), loaded and checked in the
endpoint's unit of work (``backend.core.guards``): one query, joined to its account and kept
only when the caller may see that account; 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.accounts.scope import visible_through_account
from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.ledger.models import LedgerEntry


def _visible_entry(session: Session, user: CurrentUser, entry_id: uuid.UUID) -> LedgerEntry:
    return visible_through_account(session, user, LedgerEntry, entry_id)


VisibleEntry = Annotated[LedgerEntry, guard(_visible_entry)]
