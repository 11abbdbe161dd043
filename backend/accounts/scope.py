"""Who may see which accounts: agents their own, supervisors their team's, admins all, bots
none (a bot reaches debtors only through the verified bindings of ``/api/v1/bot``).

Every account query goes through ``account_visibility``; a row outside the caller's scope is
indistinguishable from a missing one (404), so ids cannot be probed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import ColumnElement, bindparam, false, select, true
from sqlmodel import Session

from backend.accounts.models import Account
from backend.users.models import User
from shared.schemas.enums import Role


def account_visibility(user: User) -> ColumnElement[bool]:
    if user.role == Role.admin:
        return true()
    if user.role == Role.bot:
        return false()
    if user.role == Role.supervisor:
        team = select(User.id).where(User.supervisor_id == user.id)
        return Account.assigned_agent_id.in_(team)  # type: ignore[union-attr]
    return Account.assigned_agent_id == user.id  # type: ignore[return-value]


class Reach(StrEnum):
    """The shape of a caller's visibility rule (the caller's id is bound separately)."""

    everything = "everything"
    nothing = "nothing"
    team = "team"
    own = "own"


class Visibility(NamedTuple):
    """``account_visibility`` as a shape and a value, for statements built once per shape
    (``visibility_condition``) and run with ``viewer_id`` bound per request."""

    reach: Reach
    viewer_id: UUID


def visibility(user: User) -> Visibility:
    reach = {
        Role.admin: Reach.everything,
        Role.bot: Reach.nothing,
        Role.supervisor: Reach.team,
    }.get(user.role, Reach.own)
    return Visibility(reach, user.id)


def visibility_condition(reach: Reach) -> ColumnElement[bool]:
    """The rule of ``account_visibility`` for ``reach``, with the caller's id as the bound
    parameter ``viewer_id``."""
    if reach == Reach.everything:
        return true()
    if reach == Reach.nothing:
        return false()
    viewer = bindparam("viewer_id")
    if reach == Reach.team:
        team = select(User.id).where(User.supervisor_id == viewer)
        return Account.assigned_agent_id.in_(team)  # type: ignore[union-attr]
    return Account.assigned_agent_id == viewer  # type: ignore[return-value]


def can_see_account(session: Session, user: User, account: Account) -> bool:
    if user.role == Role.admin:
        return True
    if user.role == Role.bot:
        return False
    if user.role == Role.agent:
        return account.assigned_agent_id == user.id
    if account.assigned_agent_id is None:
        return False
    agent = session.get(User, account.assigned_agent_id)
    return agent is not None and agent.supervisor_id == user.id
