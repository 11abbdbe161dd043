"""Whose field data a caller may read: agents their own, supervisors their team's, admins all.

Like account visibility, an agent outside the caller's scope is indistinguishable from a
missing one (404). Bots and a creditor's users have no field access (403): the agency's
routes and people are not the creditor's to follow.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from backend.core.errors import Forbidden, NotFound, ValidationFailed
from backend.field import repository
from backend.users.models import User
from shared.schemas.enums import Role


def agents_in_scope(session: Session, user: User, agent_id: uuid.UUID | None) -> list[User]:
    """The agents the caller asks about: one (``agent_id``) or all they may see."""
    if user.role not in (Role.agent, Role.supervisor, Role.admin):
        raise Forbidden()
    ids = [agent_id] if agent_id else None
    if user.role == Role.agent:
        if agent_id not in (None, user.id):
            raise NotFound()
        return [user]
    team = user.id if user.role == Role.supervisor else None
    found = repository.agents(session, ids, team)
    if agent_id and not found:
        raise NotFound()
    return found


def one_agent(session: Session, user: User, agent_id: uuid.UUID | None) -> User:
    """The agent whose worklist is asked for: the caller when an agent, else ``agent_id``
    (required) within the caller's scope."""
    if user.role in (Role.supervisor, Role.admin) and agent_id is None:
        raise ValidationFailed("error.agent_required")
    return agents_in_scope(session, user, agent_id)[0]
