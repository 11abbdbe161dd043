"""What a debtor can propose, and the proposal that reproduces a given arrangement.

* :class:`PlanByAmount` - "I can pay X a month/week": the plan with the *fewest* instalments
  whose level instalment is at most X (the French payment, or the largest even share when
  interest-free; the last French instalment may differ from it by the rounding residue).
* :class:`PlanByCount` - "N instalments starting on D".
* Both take an optional down payment ("I pay P % or an amount now and the rest in N"), as
  ``down_payment_minor`` or ``down_payment_bps`` of the balance (rounded up), never both.
  Left unset (None), the down payment is the policy's minimum; an explicit 0 asks for none.
  Without ``first_due`` the first payment falls on ``limits.default_first_due``.
* :class:`SettlementRequest` - "I pay 800 of 1000 on D" (D defaults to the policy deadline).

Malformed proposals (no instalments, amounts below one minor unit, both kinds of down payment)
raise ``ValueError`` when built; proposals that are merely outside the policy are negotiated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.negotiation.schedule import Frequency, Schedule
from backend.negotiation.settlement import Settlement


@dataclass(frozen=True, slots=True)
class PlanByAmount:
    instalment_minor: int
    frequency: Frequency = Frequency.MONTHLY
    first_due: date | None = None
    down_payment_minor: int | None = None
    down_payment_bps: int | None = None

    def __post_init__(self) -> None:
        if self.instalment_minor < 1:
            raise ValueError("the instalment must be at least one minor unit")
        _validate_plan_fields(self)


@dataclass(frozen=True, slots=True)
class PlanByCount:
    instalments: int
    frequency: Frequency = Frequency.MONTHLY
    first_due: date | None = None
    down_payment_minor: int | None = None
    down_payment_bps: int | None = None

    def __post_init__(self) -> None:
        if self.instalments < 1:
            raise ValueError("a plan needs at least one instalment")
        _validate_plan_fields(self)


@dataclass(frozen=True, slots=True)
class SettlementRequest:
    amount_minor: int
    pay_on: date | None = None

    def __post_init__(self) -> None:
        if self.amount_minor < 1:
            raise ValueError("the settlement amount must be at least one minor unit")


Proposal = PlanByAmount | PlanByCount | SettlementRequest
Terms = Schedule | Settlement


def _validate_plan_fields(plan: PlanByAmount | PlanByCount) -> None:
    object.__setattr__(plan, "frequency", Frequency(plan.frequency))  # accepts "monthly" too
    if plan.down_payment_minor is not None and plan.down_payment_bps is not None:
        raise ValueError("give the down payment in minor units or in bps, not both")
    if plan.down_payment_minor is not None and plan.down_payment_minor < 0:
        raise ValueError("the down payment must not be negative")
    if plan.down_payment_bps is not None and not 0 <= plan.down_payment_bps <= 10_000:
        raise ValueError("a down payment in bps must be between 0 and 10000")


def down_payment_of(plan: PlanByAmount | PlanByCount, balance_minor: int, minimum: int) -> int:
    """The proposed down payment in minor units: bps rounded up, ``minimum`` if unset."""
    if plan.down_payment_bps is not None:
        return -(-balance_minor * plan.down_payment_bps // 10_000)
    return minimum if plan.down_payment_minor is None else plan.down_payment_minor


def as_proposal(terms: Terms) -> PlanByCount | SettlementRequest:
    """The proposal that asks for exactly ``terms`` (e.g. to re-check an offer on acceptance)."""
    if isinstance(terms, Settlement):
        return SettlementRequest(terms.amount_minor, terms.due_date)
    return PlanByCount(
        instalments=terms.instalment_count,
        frequency=terms.frequency,
        first_due=terms.first_due,
        down_payment_minor=terms.down_payment_minor,
    )
