from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from backend.negotiation.policy import (
    LIMIT_FIELDS,
    NegotiationPolicy,
    PolicyOverride,
    default_policy,
    effective_policy,
)
from backend.negotiation.schedule import Frequency
from shared.schemas.enums import AgingBucket
from shared.schemas.enums import bucket_for as aging_bucket
from tests.negotiation.strategies import policies, policy_kwargs


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-3, AgingBucket.CURRENT),
        (0, AgingBucket.CURRENT),
        (1, AgingBucket.DAYS_1_30),
        (30, AgingBucket.DAYS_1_30),
        (31, AgingBucket.DAYS_31_60),
        (60, AgingBucket.DAYS_31_60),
        (90, AgingBucket.DAYS_61_90),
        (180, AgingBucket.DAYS_91_180),
        (181, AgingBucket.DAYS_181_PLUS),
        (4000, AgingBucket.DAYS_181_PLUS),
    ],
)
def test_aging_buckets(days: int, bucket: AgingBucket) -> None:
    assert aging_bucket(days) is bucket


def test_default_policy_is_valid_and_round_trips_as_json() -> None:
    policy = default_policy("CLP")
    assert policy.currency == "CLP"
    text = policy.model_dump_json()
    assert '"monthly_interest_rate":"0"' in text
    assert '"frequencies":["weekly","biweekly","monthly"]' in text
    assert NegotiationPolicy.model_validate_json(text) == policy


def test_older_debt_gets_a_bigger_settlement_discount_by_default() -> None:
    policy = default_policy("PEN")
    discounts = [
        effective_policy(policy, b, 100_000).settlement_max_discount_bps for b in AgingBucket
    ]
    assert discounts == sorted(discounts)
    assert discounts[0] == 0 and discounts[-1] == 4000


def test_rate_is_parsed_from_a_string_and_never_from_a_float() -> None:
    policy = NegotiationPolicy.model_validate_json(
        '{"currency": "PEN", "monthly_interest_rate": "0.025"}'
    )
    assert policy.monthly_interest_rate == Decimal("0.025")
    with pytest.raises(ValidationError, match="not a float"):
        NegotiationPolicy.model_validate_json('{"currency": "PEN", "monthly_interest_rate": 0.025}')


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"min_instalments": 6, "max_instalments": 3}, "must not exceed max_instalments"),
    ({"settlement_max_discount_bps": 10_001}, "less than or equal to 10000"),
    ({"settlement_discount_by_bucket": {"181+": 12_000}}, "less than or equal to 10000"),
    ({"min_down_payment_bps": 10_000}, "less than 10000"),
    ({"min_instalment_minor": -1}, "greater than or equal to 0"),
    ({"min_down_payment_minor": -5}, "greater than or equal to 0"),
    ({"frequencies": []}, "at least 1 item"),
    ({"frequencies": ["daily"]}, "weekly"),
    ({"max_days_first_payment": -1}, "greater than or equal to 0"),
    ({"monthly_interest_rate": "-0.01"}, "greater than or equal to 0"),
    ({"monthly_interest_rate": "NaN"}, "finite"),
    ({"missed_instalments_to_break": 3}, "1 or 2"),
    ({"offer_validity_hours": 0}, "greater than or equal to 1"),
    (
        {"max_plan_days": 20, "frequencies": ["monthly"], "min_instalments": 2},
        "shorter than the shortest allowed plan",  # 2 monthly instalments can span 31 days
    ),
    ({"min_instalments": "3"}, "valid integer"),
    ({"currency": "XXX"}, "Unknown or unsupported currency"),
    ({"max_instalment": 3}, "Extra inputs are not permitted"),
    ({"overrides": [{"min_balance_minor": 10, "max_balance_minor": 5}]}, "must not exceed"),
    ({"overrides": [{"max_instalments": 3}]}, "needs a criterion"),
    ({"overrides": [{"buckets": []}]}, "at least 1 item"),
    ({"overrides": [{"buckets": ["181+"], "min_instalments": 37}]}, "overrides[0] makes"),
]


@pytest.mark.parametrize(("changes", "message"), INVALID)
def test_contradictory_policies_are_rejected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        NegotiationPolicy.model_validate({"currency": "PEN", **changes})
    assert message in str(raised.value)


def test_overrides_can_override_every_limit() -> None:
    assert set(LIMIT_FIELDS) <= set(PolicyOverride.model_fields)


def test_first_matching_override_replaces_only_what_it_sets() -> None:
    policy = NegotiationPolicy(
        currency="PEN",
        max_instalments=12,
        settlement_max_discount_bps=1000,
        settlement_discount_by_bucket={AgingBucket.DAYS_181_PLUS: 4000},
        overrides=(
            PolicyOverride(buckets=frozenset({AgingBucket.DAYS_181_PLUS}), max_instalments=24),
            PolicyOverride(min_balance_minor=1_000_000, frequencies=frozenset({Frequency.MONTHLY})),
            PolicyOverride(max_balance_minor=50_000, settlement_max_discount_bps=2000),
        ),
    )
    old = effective_policy(policy, AgingBucket.DAYS_181_PLUS, 2_000_000)
    assert old.max_instalments == 24  # the first override wins; the second is ignored
    assert old.frequencies == frozenset(Frequency)
    assert old.settlement_max_discount_bps == 4000  # not set by it: the base table applies
    big = effective_policy(policy, AgingBucket.DAYS_31_60, 1_000_000)  # min is inclusive
    assert big.frequencies == frozenset({Frequency.MONTHLY})
    assert big.max_instalments == 12
    small = effective_policy(policy, AgingBucket.DAYS_181_PLUS, 50_000)
    assert small.max_instalments == 24  # the bucket override comes first
    small_recent = effective_policy(policy, AgingBucket.DAYS_1_30, 50_000)  # max is inclusive
    assert small_recent.settlement_max_discount_bps == 2000
    plain = effective_policy(policy, AgingBucket.DAYS_1_30, 60_000)
    assert plain.settlement_max_discount_bps == 1000  # no table entry: the flat maximum
    assert plain.bucket is AgingBucket.DAYS_1_30 and plain.currency == "PEN"


def test_override_discount_wins_over_the_base_table() -> None:
    policy = NegotiationPolicy(
        currency="PEN",
        settlement_discount_by_bucket={AgingBucket.DAYS_181_PLUS: 4000},
        overrides=(
            PolicyOverride(
                min_balance_minor=0, max_balance_minor=999, settlement_max_discount_bps=0
            ),
            PolicyOverride(
                min_balance_minor=1000,
                settlement_discount_by_bucket={AgingBucket.DAYS_181_PLUS: 5000},
            ),
        ),
    )
    assert effective_policy(policy, AgingBucket.DAYS_181_PLUS, 500).settlement_max_discount_bps == 0
    assert (
        effective_policy(policy, AgingBucket.DAYS_181_PLUS, 5000).settlement_max_discount_bps
        == 5000
    )


@settings(max_examples=100, deadline=None)
@given(policy=policies, bucket=st.sampled_from(AgingBucket), balance=st.integers(1, 10**9))
def test_generated_policies_round_trip_and_resolve(
    policy: NegotiationPolicy, bucket: AgingBucket, balance: int
) -> None:
    assert NegotiationPolicy.model_validate_json(policy.model_dump_json()) == policy
    resolved = effective_policy(policy, bucket, balance)
    assert resolved.min_instalments <= resolved.max_instalments


MUTATIONS: list[dict[str, Any]] = [change for change, _ in INVALID]


@settings(max_examples=100, deadline=None)
@given(kwargs=policy_kwargs(), mutation=st.sampled_from(MUTATIONS))
def test_invalid_policies_are_rejected(kwargs: dict[str, Any], mutation: dict[str, Any]) -> None:
    kwargs = {**kwargs, **mutation}
    if "min_instalments" in mutation and "max_instalments" in mutation:
        kwargs["max_plan_days"] = 10_000  # only the inverted range is wrong
    with pytest.raises(ValidationError):
        NegotiationPolicy.model_validate(kwargs)
