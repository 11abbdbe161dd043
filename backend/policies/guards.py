"""The policy change a path names (``/policy-changes/{change_id}...``), loaded and checked in
the endpoint's unit of work (``backend.core.guards``): admins see every change, a supervisor
the ones they asked for; 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.policies import service
from backend.policies.models import PolicyChange


def _visible_change(session: Session, user: CurrentUser, change_id: uuid.UUID) -> PolicyChange:
    return service.visible_change(session, user, change_id)


VisibleChange = Annotated[PolicyChange, guard(_visible_change)]
