"""The agent a field path names (``/field/agents/{agent_id}/...``), loaded and checked in the
endpoint's unit of work: agents themselves, supervisors their team, admins everyone; 404
otherwise (``backend.field.access``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.field.access import agents_in_scope
from backend.users.models import User


def _field_agent(session: Session, user: CurrentUser, agent_id: uuid.UUID) -> User:
    return agents_in_scope(session, user, agent_id)[0]


FieldAgent = Annotated[User, guard(_field_agent)]
