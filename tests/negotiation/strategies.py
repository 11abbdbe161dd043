"""Hypothesis strategies for the negotiation engine: valid policies, accounts and proposals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from backend.negotiation.engine import AccountSnapshot
from backend.negotiation.policy import NegotiationPolicy
from backend.negotiation.proposals import PlanByAmount, PlanByCount, Proposal, SettlementRequest
from backend.negotiation.schedule import Frequency, max_span_days
from shared.schemas.enums import AgingBucket

CURRENCIES = ("PEN", "USD", "CLP", "COP", "PYG")

rates = st.one_of(
    st.just(Decimal(0)),
    st.decimals(min_value=0, max_value=Decimal("0.08"), places=4),
)
frequency_sets = st.frozensets(st.sampled_from(Frequency), min_size=1)
bps = st.integers(0, 10_000)
as_of_dates = st.dates(date(2023, 1, 1), date(2030, 12, 31))


@st.composite
def plan_shape_limits(draw: st.DrawFn) -> dict[str, Any]:
    """The limits that constrain each other; always consistent."""
    min_n = draw(st.integers(1, 12))
    max_n = draw(st.integers(min_n, 36))
    frequencies = draw(frequency_sets)
    down_bps = draw(st.one_of(st.just(0), st.integers(0, 5000)))
    down_minor = draw(st.one_of(st.just(0), st.integers(0, 20_000)))
    periods = min_n - 1 + (1 if down_bps or down_minor else 0)
    needed = min(max_span_days(f, periods) for f in frequencies)
    return {
        "min_instalments": min_n,
        "max_instalments": max_n,
        "frequencies": frequencies,
        "min_down_payment_bps": down_bps,
        "min_down_payment_minor": down_minor,
        "max_plan_days": draw(st.integers(needed, needed + 900)),
    }


independent_limits = st.fixed_dictionaries(
    {},
    optional={
        "min_instalment_minor": st.one_of(st.integers(0, 5_000), st.integers(0, 50_000)),
        "max_days_first_payment": st.integers(0, 45),
        "monthly_interest_rate": rates,
        "grace_days": st.integers(0, 15),
        "missed_instalments_to_break": st.sampled_from([1, 2]),
        "settlement_max_discount_bps": bps,
        "settlement_deadline_days": st.integers(0, 30),
        "offer_validity_hours": st.integers(1, 24 * 10),
        "max_negotiations": st.integers(0, 5),
        "negotiation_period_days": st.integers(1, 90),
        "settlement_discount_by_bucket": st.dictionaries(st.sampled_from(AgingBucket), bps),
    },
)


@st.composite
def overrides(draw: st.DrawFn) -> dict[str, Any]:
    """An override that keeps any valid base policy valid: it sets the interdependent limits
    all together or not at all."""
    values: dict[str, Any] = dict(draw(independent_limits))
    if draw(st.booleans()):
        values.update(draw(plan_shape_limits()))
    low = draw(st.none() | st.integers(0, 500_000))
    high = draw(st.none() | st.integers(low or 0, 10_000_000))
    buckets = draw(st.none() | st.frozensets(st.sampled_from(AgingBucket), min_size=1))
    if buckets is None and low is None and high is None:
        buckets = frozenset({draw(st.sampled_from(AgingBucket))})
    return {**values, "buckets": buckets, "min_balance_minor": low, "max_balance_minor": high}


@st.composite
def policy_kwargs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "currency": draw(st.sampled_from(CURRENCIES)),
        **draw(plan_shape_limits()),
        **draw(independent_limits),
        "overrides": draw(st.lists(overrides(), max_size=2)),
    }


policies = policy_kwargs().map(lambda kwargs: NegotiationPolicy(**kwargs))


def accounts(currency: str) -> st.SearchStrategy[AccountSnapshot]:
    tiny, usual, large = (
        st.integers(1, 2_000),
        st.integers(10_000, 10**6),
        st.integers(10**6, 10**9),
    )
    balances = st.one_of(tiny, usual, usual, large)  # tiny balances rarely fit any plan
    return st.builds(AccountSnapshot, balances, st.just(currency), st.integers(-5, 400))


@st.composite
def proposals(draw: st.DrawFn, as_of: date, balance_minor: int) -> Proposal:
    """Proposals around ``balance_minor``: mostly plausible, sometimes absurd."""
    first_due = draw(st.none() | st.integers(-10, 60).map(lambda d: as_of + timedelta(days=d)))
    share = draw(st.integers(0, 12_000))  # bps of the balance, up to 120 %
    kind = draw(st.sampled_from(["count", "amount", "settlement"]))
    if kind == "settlement":
        return SettlementRequest(max(1, balance_minor * share // 10_000), first_due)
    down: dict[str, int] = draw(
        st.one_of(
            st.just({}),
            st.just({"down_payment_minor": balance_minor * min(share, 10_000) // 10_000}),
            st.fixed_dictionaries({"down_payment_bps": st.integers(0, 5000)}),
        )
    )
    frequency = draw(st.sampled_from(Frequency))
    if kind == "count":
        return PlanByCount(draw(st.integers(1, 60)), frequency, first_due, **down)
    amount = draw(
        st.one_of(st.integers(1, 10_000), st.integers(1, balance_minor).map(lambda a: a // 4 + 1))
    )
    return PlanByAmount(amount, frequency, first_due, **down)
