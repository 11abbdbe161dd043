"""Searching the acceptable plans of a resolved policy.

A :class:`PlanShape` fixes everything about a plan but its number of instalments. For a shape,
the acceptable counts form a range ``lo..hi``: more instalments only make instalments smaller
and plans longer, so ``lo`` is ``min_instalments`` (or nothing is acceptable) and ``hi`` is
found by bisection. Every plan returned here passed ``limits.check_plan``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from backend.negotiation.limits import check_plan
from backend.negotiation.policy import ResolvedPolicy
from backend.negotiation.schedule import (
    MAX_INSTALMENTS,
    Frequency,
    Schedule,
    ScheduleError,
    build_schedule,
    level_payment,
    period_rate,
    periods_until,
)


@dataclass(frozen=True, slots=True)
class PlanShape:
    frequency: Frequency
    first_due: date
    down_payment_minor: int


def build_plan(
    policy: ResolvedPolicy, balance_minor: int, as_of: date, shape: PlanShape, n: int
) -> Schedule:
    """The schedule of ``shape`` with ``n`` instalments at the policy's rate (may raise)."""
    return build_schedule(
        balance_minor,
        policy.currency,
        n,
        shape.frequency,
        shape.first_due,
        policy.monthly_interest_rate,
        down_payment_minor=shape.down_payment_minor,
        as_of=as_of,
    )


def acceptable_plan(
    policy: ResolvedPolicy, balance_minor: int, as_of: date, shape: PlanShape, n: int
) -> Schedule | None:
    """The plan of ``shape`` with ``n`` instalments if it is within the limits, else None."""
    try:
        plan = build_plan(policy, balance_minor, as_of, shape, n)
    except ScheduleError:
        return None
    return None if check_plan(policy, plan, balance_minor, as_of) else plan


def acceptable_counts(
    policy: ResolvedPolicy, balance_minor: int, as_of: date, shape: PlanShape
) -> tuple[int, int] | None:
    """The range of acceptable instalment counts for ``shape``, or None if there is none."""
    last_day = as_of + timedelta(days=policy.max_plan_days)
    periods = periods_until(shape.first_due, shape.frequency, last_day)
    longest = periods + 1 - (1 if shape.down_payment_minor else 0)
    lo, hi = policy.min_instalments, min(policy.max_instalments, longest)
    if hi < lo or acceptable_plan(policy, balance_minor, as_of, shape, lo) is None:
        return None
    good, bad = lo, hi + 1
    while bad - good > 1:
        middle = (good + bad) // 2
        if acceptable_plan(policy, balance_minor, as_of, shape, middle) is None:
            bad = middle
        else:
            good = middle
    return lo, good


def first_acceptable(
    policy: ResolvedPolicy, balance_minor: int, as_of: date, shapes: Iterable[PlanShape]
) -> tuple[PlanShape, int, int] | None:
    """The first shape with acceptable plans, with its count range."""
    for shape in shapes:
        counts = acceptable_counts(policy, balance_minor, as_of, shape)
        if counts is not None:
            lo, hi = counts
            return shape, lo, hi
    return None


def count_for_capacity(
    policy: ResolvedPolicy, balance_minor: int, shape: PlanShape, capacity_minor: int
) -> int | None:
    """Fewest instalments of ``shape`` whose level payment is at most ``capacity_minor``.

    None when even ``MAX_INSTALMENTS`` instalments would be larger (or capacity is below 1).
    """
    financed = balance_minor - shape.down_payment_minor
    rate = period_rate(policy.monthly_interest_rate, shape.frequency)
    if capacity_minor < 1 or level_payment(financed, MAX_INSTALMENTS, rate) > capacity_minor:
        return None
    lo, hi = 1, MAX_INSTALMENTS  # the level payment never grows with more instalments
    while lo < hi:
        middle = (lo + hi) // 2
        if level_payment(financed, middle, rate) <= capacity_minor:
            hi = middle
        else:
            lo = middle + 1
    return lo
