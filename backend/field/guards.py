"""What a field path names, loaded and checked in the endpoint's unit of work: the agent of
``/field/agents/{agent_id}/...`` (agents themselves, supervisors their team, admins everyone;
``backend.field.access``) and a visit photo (whoever sees its account); 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.accounts.scope import visible_through_account
from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.field.access import agents_in_scope
from backend.field.models import VisitPhoto
from backend.users.models import User


def _field_agent(session: Session, user: CurrentUser, agent_id: uuid.UUID) -> User:
    return agents_in_scope(session, user, agent_id)[0]


FieldAgent = Annotated[User, guard(_field_agent)]


def _visible_photo(session: Session, user: CurrentUser, photo_id: uuid.UUID) -> VisitPhoto:
    return visible_through_account(session, user, VisitPhoto, photo_id)


VisiblePhoto = Annotated[VisitPhoto, guard(_visible_photo)]
