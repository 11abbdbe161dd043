"""The user a path names (``/users/{user_id}``), loaded and checked in the endpoint's unit of
work (``backend.core.guards``): admins see everyone, supervisors themselves and their team,
a creditor's admin their creditor's users; 404 otherwise. The viewer is the principal, not
``CurrentUser``: a creditor's admin manages users without the write grant on accounts."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import Principal
from backend.core.guards import guard
from backend.users import service
from backend.users.models import User


def _visible_user(session: Session, viewer: Principal, user_id: uuid.UUID) -> User:
    return service.get_visible(session, viewer, user_id)


VisibleUser = Annotated[User, guard(_visible_user)]
