"""The debtor a path names (``/debtors/{debtor_id}...``), loaded and checked in the endpoint's
unit of work (``backend.core.guards``): admins see every debtor, others those with an account
they may see; 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.debtors import service
from backend.debtors.models import Debtor


def _visible_debtor(session: Session, user: CurrentUser, debtor_id: uuid.UUID) -> Debtor:
    return service.get_visible(session, user, debtor_id)


VisibleDebtor = Annotated[Debtor, guard(_visible_debtor)]
