"""When an agreed plan is broken.

Payments are applied to the instalments in order (down payment first). An instalment is
*missed* when it is still not fully covered more than ``grace_days`` after its due date, i.e.
on ``due_date + grace_days + 1`` or later. A plan is broken once the number of missed
instalments reaches the policy's ``missed_instalments_to_break`` (the 1st or the 2nd).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol

from backend.negotiation.policy import ResolvedPolicy
from backend.negotiation.schedule import Schedule


class Due(Protocol):
    """Anything with a due date and an amount: a schedule's instalment or a stored one."""

    @property
    def due_date(self) -> date: ...

    @property
    def amount_minor(self) -> int: ...


def missed_instalments(
    schedule: Schedule | Iterable[Due], paid_minor: int, as_of: date, grace_days: int
) -> int:
    """How many instalments are missed on ``as_of`` after ``paid_minor`` paid in total."""
    dues = schedule.instalments if isinstance(schedule, Schedule) else schedule
    missed, owed = 0, 0
    for instalment in dues:
        owed += instalment.amount_minor
        overdue = as_of > instalment.due_date + timedelta(days=grace_days)
        if overdue and paid_minor < owed:
            missed += 1
    return missed


def is_broken(policy: ResolvedPolicy, schedule: Schedule, paid_minor: int, as_of: date) -> bool:
    missed = missed_instalments(schedule, paid_minor, as_of, policy.grace_days)
    return missed >= policy.missed_instalments_to_break
