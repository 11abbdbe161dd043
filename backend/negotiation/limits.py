"""The one definition of "within the limits" of a resolved policy.

:func:`check_plan` and :func:`check_settlement` return every :class:`Violation` of an
arrangement (an empty list means acceptable). The engine uses them both to accept a debtor's
proposal and to verify each offer and counter-offer it makes, so the two cannot disagree.

Violation codes and their params (dates are ISO strings, amounts minor units). The engine also
reports ``too_many_instalments``, ``down_payment_too_large`` and ``instalment_below_minimum``
for proposals whose schedule cannot even be built; ``actual`` is then left out when unknown.

==============================  ======================================================
``currency_mismatch``           expected, actual
``principal_mismatch``          balance, actual (a plan must cover the whole balance)
``interest_rate_mismatch``      rate, actual (the policy's monthly rate, as a string)
``frequency_not_allowed``       allowed (list), actual
``too_few_instalments``         minimum, actual
``too_many_instalments``        maximum, actual
``down_payment_below_minimum``  minimum, actual
``down_payment_too_large``      maximum (the down payment must leave instalments to pay)
``instalment_below_minimum``    minimum, actual (the smallest regular instalment)
``first_payment_in_past``       earliest, actual
``first_payment_too_late``      max_days, latest, actual
``plan_too_long``               max_days, latest, actual (the last due date)
``amount_above_balance``        balance, actual
``discount_above_maximum``      maximum_bps, minimum_amount, actual
``payment_date_in_past``        earliest, actual
``settlement_after_deadline``   max_days, latest, actual
==============================  ======================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from backend.negotiation.policy import ResolvedPolicy
from backend.negotiation.schedule import PERIODS_PER_YEAR, Schedule
from backend.negotiation.settlement import (
    Settlement,
    max_settlement_discount,
    settlement_deadline,
)

ParamValue = int | str | list[str]


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    params: dict[str, ParamValue] = field(default_factory=dict)

    def as_dict(self) -> dict[str, ParamValue]:
        """``{"code": ..., **params}``, e.g. ``{"code": "instalment_below_minimum", ...}``."""
        return {"code": self.code, **self.params}


def required_down_payment(policy: ResolvedPolicy, balance_minor: int) -> int:
    """The larger of the bps share (rounded up) and the absolute minimum, capped at the balance."""
    by_share = -(-balance_minor * policy.min_down_payment_bps // 10_000)
    return min(balance_minor, max(by_share, policy.min_down_payment_minor))


def default_first_due(policy: ResolvedPolicy, as_of: date) -> date:
    """When the first payment falls unless the debtor says otherwise.

    The day an offer made on ``as_of`` expires (``offer_validity_hours`` rounded up to whole
    days), so it is never in the past while the offer can be accepted; capped at the latest
    first payment the policy allows.
    """
    validity_days = -(-policy.offer_validity_hours // 24)
    return as_of + timedelta(days=min(validity_days, policy.max_days_first_payment))


def violation(code: str, **params: ParamValue) -> Violation:
    return Violation(code, params)


def check_plan(
    policy: ResolvedPolicy, schedule: Schedule, balance_minor: int, as_of: date
) -> list[Violation]:
    """Every way ``schedule`` for ``balance_minor``, agreed on ``as_of``, breaks ``policy``."""
    found: list[Violation] = []
    if schedule.currency != policy.currency:
        found.append(
            violation("currency_mismatch", expected=policy.currency, actual=schedule.currency)
        )
    if schedule.principal_minor != balance_minor:
        found.append(
            violation("principal_mismatch", balance=balance_minor, actual=schedule.principal_minor)
        )
    if schedule.monthly_rate != policy.monthly_interest_rate:
        found.append(
            violation(
                "interest_rate_mismatch",
                rate=str(policy.monthly_interest_rate),
                actual=str(schedule.monthly_rate),
            )
        )
    if schedule.frequency not in policy.frequencies:
        allowed = sorted(policy.frequencies, key=PERIODS_PER_YEAR.__getitem__, reverse=True)
        found.append(
            violation(
                "frequency_not_allowed",
                allowed=[str(f) for f in allowed],
                actual=str(schedule.frequency),
            )
        )
    count = schedule.instalment_count
    if count < policy.min_instalments:
        found.append(violation("too_few_instalments", minimum=policy.min_instalments, actual=count))
    if count > policy.max_instalments:
        found.append(
            violation("too_many_instalments", maximum=policy.max_instalments, actual=count)
        )
    minimum_down = required_down_payment(policy, balance_minor)
    if schedule.down_payment_minor < minimum_down:
        found.append(
            violation(
                "down_payment_below_minimum",
                minimum=minimum_down,
                actual=schedule.down_payment_minor,
            )
        )
    smallest = min(i.amount_minor for i in schedule.regular)
    if smallest < policy.min_instalment_minor:
        found.append(
            violation(
                "instalment_below_minimum", minimum=policy.min_instalment_minor, actual=smallest
            )
        )
    return found + _check_dates(policy, schedule.first_due, schedule.last_due, as_of)


def _check_dates(policy: ResolvedPolicy, first: date, last: date, as_of: date) -> list[Violation]:
    found: list[Violation] = []
    if first < as_of:
        found.append(
            violation("first_payment_in_past", earliest=as_of.isoformat(), actual=first.isoformat())
        )
    latest_first = as_of + timedelta(days=policy.max_days_first_payment)
    if first > latest_first:
        found.append(
            violation(
                "first_payment_too_late",
                max_days=policy.max_days_first_payment,
                latest=latest_first.isoformat(),
                actual=first.isoformat(),
            )
        )
    latest_last = as_of + timedelta(days=policy.max_plan_days)
    if last > latest_last:
        found.append(
            violation(
                "plan_too_long",
                max_days=policy.max_plan_days,
                latest=latest_last.isoformat(),
                actual=last.isoformat(),
            )
        )
    return found


def check_settlement(
    policy: ResolvedPolicy, settlement: Settlement, balance_minor: int, as_of: date
) -> list[Violation]:
    """Every way ``settlement`` of ``balance_minor``, agreed on ``as_of``, breaks ``policy``."""
    found: list[Violation] = []
    amount, due = settlement.amount_minor, settlement.due_date
    if settlement.currency != policy.currency:
        found.append(
            violation("currency_mismatch", expected=policy.currency, actual=settlement.currency)
        )
    if settlement.balance_minor != balance_minor:
        found.append(
            violation("principal_mismatch", balance=balance_minor, actual=settlement.balance_minor)
        )
    if amount > balance_minor:
        found.append(violation("amount_above_balance", balance=balance_minor, actual=amount))
    maximum = max_settlement_discount(policy, balance_minor)
    if balance_minor - amount > maximum:
        found.append(
            violation(
                "discount_above_maximum",
                maximum_bps=policy.settlement_max_discount_bps,
                minimum_amount=balance_minor - maximum,
                actual=amount,
            )
        )
    if due < as_of:
        found.append(
            violation("payment_date_in_past", earliest=as_of.isoformat(), actual=due.isoformat())
        )
    deadline = settlement_deadline(policy, as_of)
    if due > deadline:
        found.append(
            violation(
                "settlement_after_deadline",
                max_days=policy.settlement_deadline_days,
                latest=deadline.isoformat(),
                actual=due.isoformat(),
            )
        )
    return found
