"""Who may see which accounts: agents their own, supervisors their team's, admins all, a
creditor's users their creditor's portfolios (``creditor_portfolios``), bots none (a bot
reaches debtors only through the verified bindings of ``/api/v1/bot``). A debtor is
seen through their accounts (``debtor_visibility``).

Every account query goes through ``account_visibility``; a row outside the caller's scope is
indistinguishable from a missing one (404), so ids cannot be probed. The loads below apply it
to one object named by id, in one query: the guards of the endpoints (``guards.py`` of each
domain) and the services checking an id named in a request body use them alike.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlmodel import Session

from backend.accounts import repository
from backend.accounts.models import Account
from backend.core.errors import DomainError, NotFound
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorCreator
from backend.users.models import User
from shared.schemas.enums import CREDITOR_ROLES, Role

T = TypeVar("T")


class NotAvailable(DomainError):
    """An identifier the caller wants to take (a new debtor's document, a new account's
    reference) already belongs to something outside their scope. The answer is the same
    whatever that is and whoever holds it: it tells only that the identifier cannot be used,
    nothing of the account or debtor behind it (names, balances, team)."""

    status = 409
    code = "not_available"


def account_visibility(user: User) -> ColumnElement[bool]:
    if user.role == Role.admin:
        return true()
    if user.role == Role.bot:
        return false()
    if user.role == Role.supervisor:
        team = select(User.id).where(User.supervisor_id == user.id)
        return Account.assigned_agent_id.in_(team)  # type: ignore[union-attr]
    if user.role in CREDITOR_ROLES:
        return Account.portfolio_id.in_(creditor_portfolios(user))  # type: ignore[attr-defined]
    return Account.assigned_agent_id == user.id  # type: ignore[return-value]


def creditor_portfolios(user: User) -> Select[tuple[uuid.UUID]]:
    """The portfolios of a creditor's user's creditor (none without one)."""
    return select(Portfolio.id).where(Portfolio.creditor_id == user.creditor_id)


def debtor_visibility(user: User) -> ColumnElement[bool]:
    """Over ``Debtor``: admins see every debtor; others a debtor with an account they may see,
    or one they created themselves that has no account yet (to open its first one). A debtor
    whose accounts all lie outside the caller's scope is invisible, like a missing one."""
    if user.role == Role.admin:
        return true()
    if user.role == Role.bot:
        return false()
    of_debtor = Account.debtor_id == Debtor.id
    created = exists().where(
        DebtorCreator.debtor_id == Debtor.id, DebtorCreator.created_by_id == user.id
    )
    return or_(
        exists().where(of_debtor, account_visibility(user)),
        and_(created, ~exists().where(of_debtor)),
    )


def visible_debtor(session: Session, user: User, debtor_id: uuid.UUID) -> Debtor:
    """The debtor, if the caller may see them; ``NotFound`` otherwise."""
    query = select(Debtor).where(Debtor.id == debtor_id, debtor_visibility(user))
    debtor = session.execute(query).scalars().first()
    if debtor is None:
        raise NotFound()
    return debtor


def visible_account(session: Session, user: User, account_id: uuid.UUID) -> Account:
    """The account, if the caller may see it; ``NotFound`` otherwise."""
    account = repository.visible_one(session, account_id, account_visibility(user))
    if account is None:
        raise NotFound()
    return account


def visible_through_account(
    session: Session,
    user: User,
    model: type[T],
    object_id: uuid.UUID,
    *also: ColumnElement[bool],
) -> T:
    """A row of ``model`` (a table with an ``account_id``) whose account the caller may see, or
    that meets one of ``also``; ``NotFound`` otherwise. One query."""
    visible = or_(account_visibility(user), *also) if also else account_visibility(user)
    found = repository.visible_child(session, model, object_id, visible)
    if found is None:
        raise NotFound()
    return found
