"""What a KPI request covers: the caller's reach (a supervisor their team's agents, an admin
everything, a creditor's user their creditor's portfolios and no agent's figures) and the
filters (creditor, portfolio, agent, segment, dates), as SQL conditions on each table the KPIs
read.

The segment is the account's as the last evaluation stored it (``account_segments``); an
account closed since (paid off, written off) keeps the one it had while open.
The aging and roll snapshots (and the cure rate counted from the rolls) recorded each
account's segment when they were written (``snapshot_segments``): the filter narrows them to
that segment, and without it they are the sum over all segments, none included."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from backend.accounts.models import Account
from backend.core.clock import utcnow
from backend.creditors.models import Portfolio
from backend.segments.models import AccountSegment
from backend.users.models import User
from shared.schemas.enums import CREDITOR_ROLES, Role


@dataclass(frozen=True, slots=True)
class Filters:
    date_from: date
    date_to: date
    creditor_id: uuid.UUID | None = None
    portfolio_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    segment: str | None = None
    # The caller's team (a supervisor's id) or None for an admin's unrestricted reach.
    supervisor_id: uuid.UUID | None = None
    # The agency's own people's figures (visits, routes, collected per agent): not a
    # creditor's to compare.
    agents_visible: bool = True

    @classmethod
    def of(cls, user: User, **values: Any) -> Filters:
        if user.role in CREDITOR_ROLES:
            # Their own creditor whatever they asked for (none at all without one).
            values["creditor_id"] = user.creditor_id or uuid.UUID(int=0)
            return cls(agents_visible=False, **values)
        supervisor = user.id if user.role == Role.supervisor else None
        return cls(supervisor_id=supervisor, **values)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.date_from, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the window (exclusive)."""
        return datetime.combine(self.date_to + timedelta(days=1), time(), UTC)

    @property
    def as_of(self) -> date:
        """The day after the window, or today if sooner: what was due before it is judged."""
        return min(self.date_to + timedelta(days=1), utcnow().date())

    def team(self) -> Select[Any] | None:
        if self.supervisor_id is None:
            return None
        return select(User.id).where(User.supervisor_id == self.supervisor_id)

    def portfolios(self, column: Any) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.portfolio_id is not None:
            found.append(column == self.portfolio_id)
        if self.creditor_id is not None:
            found.append(
                column.in_(select(Portfolio.id).where(Portfolio.creditor_id == self.creditor_id))
            )
        return found

    def agents(self, column: Any) -> list[ColumnElement[bool]]:
        """Conditions on an agent column: the agent filter and the caller's team."""
        found: list[ColumnElement[bool]] = []
        if self.agent_id is not None:
            found.append(column == self.agent_id)
        team = self.team()
        if team is not None:
            found.append(column.in_(team))
        return found

    def segments(self) -> list[ColumnElement[bool]]:
        """Conditions on ``Account``: its stored segment."""
        if self.segment is None:
            return []
        in_segment = select(AccountSegment.account_id).where(AccountSegment.segment == self.segment)
        return [Account.id.in_(in_segment)]  # type: ignore[attr-defined]

    def snapshot_segments(self, column: Any) -> list[ColumnElement[bool]]:
        """Conditions on a snapshot's ``segment`` column (as stored when it was written)."""
        return [] if self.segment is None else [column == self.segment]

    def accounts(self) -> list[ColumnElement[bool]]:
        """Conditions on ``Account``: its portfolio, its segment and its assigned agent."""
        return [
            *self.portfolios(Account.portfolio_id),
            *self.segments(),
            *self.agents(Account.assigned_agent_id),
        ]

    def reach(self, query: Select[Any], account_id: Any, *, by_agent: bool = True) -> Select[Any]:
        """``query`` kept to the accounts in reach (``by_agent``: also their assigned agent's
        team and filter, else only their portfolio), joined to ``Account`` only when a
        condition needs it: an admin's unfiltered view reads the facts alone."""
        conditions = (
            self.accounts()
            if by_agent
            else [*self.portfolios(Account.portfolio_id), *self.segments()]
        )
        if not conditions:
            return query
        return query.join(Account, Account.id == account_id).where(*conditions)

    def on(self, at: Any) -> list[ColumnElement[bool]]:
        """A UTC timestamp column within the window's days."""
        return [at >= self.since, at < self.until]

    def between(self, day: Any) -> list[ColumnElement[bool]]:
        """A date column within the window."""
        return [day >= self.date_from, day <= self.date_to]


def segment_column() -> Any:
    """SQL: the stored segment of the ``Account`` row (NULL: none), for the drill-down rows."""
    return (
        select(AccountSegment.segment)
        .where(AccountSegment.account_id == Account.id)
        .scalar_subquery()
        .label("segment")
    )
