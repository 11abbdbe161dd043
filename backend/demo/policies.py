"""Negotiation policies for the demo portfolios: realistic limits per currency."""

from __future__ import annotations

from typing import Any

# Minimum instalment and minimum down payment per currency, in minor units.
_FLOORS: dict[str, tuple[int, int]] = {
    "PEN": (50_00, 100_00),
    "COP": (50_000_00, 100_000_00),
    "MXN": (200_00, 500_00),
}
_RATES = {"PEN": "0", "COP": "0.015", "MXN": "0.02"}


def demo_policy(currency: str) -> dict[str, Any]:
    min_instalment, min_down = _FLOORS[currency]
    return {
        "currency": currency,
        "min_instalments": 2,
        "max_instalments": 12,
        "frequencies": ["monthly", "biweekly"],
        "min_down_payment_bps": 1000,
        "min_down_payment_minor": min_down,
        "min_instalment_minor": min_instalment,
        "max_days_first_payment": 10,
        "monthly_interest_rate": _RATES[currency],
        "max_plan_days": 400,
        "grace_days": 5,
        "missed_instalments_to_break": 2,
        "settlement_deadline_days": 7,
        "settlement_discount_by_bucket": {
            "current": 0,
            "1-30": 500,
            "31-60": 1000,
            "61-90": 1500,
            "91-180": 2500,
            "181+": 4000,
        },
        "offer_validity_hours": 48,
        "max_negotiations": 3,
        "negotiation_period_days": 30,
        "max_promise_days": 30,
        "overrides": [
            {
                "buckets": ["181+"],
                "max_instalments": 24,
                "max_plan_days": 760,
                "min_down_payment_bps": 500,
            },
        ],
    }
