"""Ceilings: how far a supervisor may take a portfolio's negotiation policy on their own.

A policy is measured on each dimension of ``PolicyCeilings`` by its most lenient value
anywhere: the base limits, every per-bucket settlement discount and every override (a segment
override is as much a way to give a 60 % discount as the base table). A supervisor's policy
whose measures are all within the portfolio's ceilings applies; one beyond any ceiling becomes
a change waiting for an admin (``service.put``). An admin sets the ceilings per portfolio; a
ceiling never set is the default policy's own measure (``default_policy``: 40 % discount, 12
instalments, 366 days, ...), so a portfolio nobody configured is bounded by the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from backend.negotiation.policy import NegotiationPolicy, default_policy
from shared.schemas.policies import CeilingExceeded, PolicyCeilings


def _discounts(policy: NegotiationPolicy) -> Iterable[int]:
    yield policy.settlement_max_discount_bps
    yield from policy.settlement_discount_by_bucket.values()
    for override in policy.overrides:
        if override.settlement_max_discount_bps is not None:
            yield override.settlement_max_discount_bps
        yield from (override.settlement_discount_by_bucket or {}).values()


def _field(name: str) -> Callable[[NegotiationPolicy], Iterable[int]]:
    def values(policy: NegotiationPolicy) -> Iterable[int]:
        yield getattr(policy, name)
        for override in policy.overrides:
            if (value := getattr(override, name)) is not None:
                yield value

    return values


# Each ceiling: the policy values it bounds, and whether it bounds them from above (max) or
# from below (min: a lower down payment is more lenient).
DIMENSIONS: dict[str, tuple[Callable[[NegotiationPolicy], Iterable[int]], bool]] = {
    "max_settlement_discount_bps": (_discounts, True),
    "max_instalments": (_field("max_instalments"), True),
    "max_plan_days": (_field("max_plan_days"), True),
    "max_days_first_payment": (_field("max_days_first_payment"), True),
    "min_down_payment_bps": (_field("min_down_payment_bps"), False),
    "max_grace_days": (_field("grace_days"), True),
    "max_settlement_deadline_days": (_field("settlement_deadline_days"), True),
    "max_promise_days": (_field("max_promise_days"), True),
    "max_negotiations": (_field("max_negotiations"), True),
}


def measures(policy: NegotiationPolicy) -> dict[str, int]:
    """The policy's most lenient value on each dimension."""
    return {
        name: (max if upper else min)(values(policy))
        for name, (values, upper) in DIMENSIONS.items()
    }


@lru_cache(maxsize=64)
def defaults(currency: str) -> PolicyCeilings:
    return PolicyCeilings(**measures(default_policy(currency)))


def effective(stored: dict[str, Any], currency: str) -> PolicyCeilings:
    """The ceilings in force: the admin's where set, the defaults elsewhere."""
    given = {name: value for name, value in stored.items() if value is not None}
    return defaults(currency).model_copy(update=given)


def exceeded(policy: NegotiationPolicy, ceilings: PolicyCeilings) -> list[CeilingExceeded]:
    found = []
    for name, value in measures(policy).items():
        limit = getattr(ceilings, name)
        upper = DIMENSIONS[name][1]
        if value > limit if upper else value < limit:
            found.append(CeilingExceeded(ceiling=name, limit=limit, value=value))
    return found
