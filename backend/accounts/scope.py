"""Who may see which accounts: agents their own, supervisors their team's, admins all, bots
none (a bot reaches debtors only through the verified bindings of ``/api/v1/bot``).

Every account query goes through ``account_visibility``; a row outside the caller's scope is
indistinguishable from a missing one (404), so ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
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
