"""The shape of a caller's account visibility, for statements built once per shape and run
with the caller's id bound (the read paths: ``repository.read_page`` / ``read_one``). The rule
itself is ``scope.account_visibility``; this module only spells it with a bound parameter."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, false, select, true

from backend.accounts.models import Account
from backend.creditors.models import Portfolio
from backend.users.models import User
from shared.schemas.enums import Role


class Reach(StrEnum):
    """The shape of a caller's visibility rule (the caller's id is bound separately)."""

    everything = "everything"
    nothing = "nothing"
    team = "team"
    own = "own"
    creditor = "creditor"


class Visibility(NamedTuple):
    """``account_visibility`` as a shape and a value, for statements built once per shape
    (``visibility_condition``) and run with ``viewer_id`` bound per request."""

    reach: Reach
    viewer_id: uuid.UUID


def visibility(user: User) -> Visibility:
    reach = {
        Role.admin: Reach.everything,
        Role.bot: Reach.nothing,
        Role.supervisor: Reach.team,
        Role.creditor: Reach.creditor,
        Role.creditor_admin: Reach.creditor,
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
    if reach == Reach.creditor:
        theirs = (
            select(Portfolio.id)
            .join(User, User.creditor_id == Portfolio.creditor_id)
            .where(User.id == viewer)
        )
        return Account.portfolio_id.in_(theirs)  # type: ignore[attr-defined]
    return Account.assigned_agent_id == viewer  # type: ignore[return-value]
