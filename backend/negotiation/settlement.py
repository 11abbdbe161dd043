"""Settlements: the balance paid in one payment, possibly with a discount.

Rules: the discount is ``balance - amount``; the policy caps it at ``settlement_max_discount_bps``
of the balance rounded *down* to a minor unit (the debtor never gets more than the allowed
share), and a settlement always collects at least one minor unit. It is due by ``due_date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from backend.negotiation.policy import ResolvedPolicy
from shared.money import exponent


@dataclass(frozen=True, slots=True)
class Settlement:
    currency: str
    balance_minor: int
    amount_minor: int
    due_date: date

    def __post_init__(self) -> None:
        exponent(self.currency)
        if self.balance_minor < 1 or self.amount_minor < 1:
            raise ValueError("balance and settlement amount must be at least one minor unit")

    @property
    def discount_minor(self) -> int:
        return self.balance_minor - self.amount_minor


def max_settlement_discount(policy: ResolvedPolicy, balance_minor: int) -> int:
    """The largest discount allowed on ``balance_minor`` (rounded down, leaving >= 1 unit)."""
    by_share = balance_minor * policy.settlement_max_discount_bps // 10_000
    return max(0, min(by_share, balance_minor - 1))


def settlement_deadline(policy: ResolvedPolicy, as_of: date) -> date:
    return as_of + timedelta(days=policy.settlement_deadline_days)


def best_settlement(policy: ResolvedPolicy, balance_minor: int, as_of: date) -> Settlement:
    """The settlement with the largest allowed discount, due on the deadline."""
    return Settlement(
        currency=policy.currency,
        balance_minor=balance_minor,
        amount_minor=balance_minor - max_settlement_discount(policy, balance_minor),
        due_date=settlement_deadline(policy, as_of),
    )
