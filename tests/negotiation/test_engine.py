from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from backend.negotiation.engine import (
    AccountSnapshot,
    EvaluationStatus,
    OfferKind,
    evaluate,
    negotiations_remaining,
    offers,
    policy_for,
)
from backend.negotiation.limits import check_plan, check_settlement
from backend.negotiation.policy import NegotiationPolicy
from backend.negotiation.proposals import (
    PlanByAmount,
    PlanByCount,
    SettlementRequest,
    as_proposal,
)
from backend.negotiation.schedule import Frequency, Schedule
from backend.negotiation.settlement import Settlement
from shared.money import MoneyError
from shared.schemas.enums import AgingBucket

AS_OF = date(2024, 1, 31)  # offers valid 48 h: plans start on Feb 2 by default
POLICY = NegotiationPolicy(
    currency="PEN",
    min_instalments=2,
    max_instalments=12,
    frequencies=frozenset({Frequency.MONTHLY, Frequency.BIWEEKLY}),
    min_down_payment_bps=1000,
    min_instalment_minor=5000,
    max_days_first_payment=10,
    max_plan_days=366,
    settlement_max_discount_bps=1000,
    settlement_discount_by_bucket={AgingBucket.DAYS_181_PLUS: 3000},
    settlement_deadline_days=5,
    offer_validity_hours=48,
)
ACCOUNT = AccountSnapshot(balance_minor=100_000, currency="PEN", days_past_due=45)


def amounts(schedule: Schedule) -> list[int]:
    return [i.amount_minor for i in schedule.instalments]


def codes(evaluation) -> list[str]:
    return [v.code for v in evaluation.violations]


def within_limits(account: AccountSnapshot, terms: Schedule | Settlement) -> bool:
    resolved = policy_for(account, POLICY)
    check = check_settlement if isinstance(terms, Settlement) else check_plan
    return check(resolved, terms, account.balance_minor, AS_OF) == []  # type: ignore[arg-type]


def test_offers_are_settlement_fewest_balanced_and_lowest() -> None:
    issued_at = datetime(2024, 1, 31, 15, 30)
    result = offers(ACCOUNT, POLICY, AS_OF, issued_at=issued_at)
    assert [o.kind for o in result] == [
        OfferKind.SETTLEMENT,
        OfferKind.FEWEST_INSTALMENTS,
        OfferKind.BALANCED,
        OfferKind.LOWEST_INSTALMENT,
    ]
    settlement, fewest, balanced, lowest = (o.terms for o in result)
    assert settlement == Settlement("PEN", 100_000, 90_000, date(2024, 2, 5))
    assert amounts(fewest) == [10_000, 45_000, 45_000]
    assert fewest.frequency is Frequency.MONTHLY and fewest.first_due == date(2024, 2, 2)
    # 12 monthly instalments after the down payment would end on 2025-02-02, past 366 days
    assert lowest.instalment_count == 11 and lowest.last_due == date(2025, 1, 2)
    assert amounts(lowest) == [10_000] + [8182] * 9 + [8181] * 2  # 90000 in 11
    assert balanced.instalment_count == 6
    assert all(o.expires_at == issued_at + timedelta(hours=48) for o in result)
    assert all(within_limits(ACCOUNT, o.terms) for o in result)


def test_offers_expire_from_the_start_of_the_day_by_default() -> None:
    assert offers(ACCOUNT, POLICY, AS_OF)[0].expires_at == datetime(2024, 2, 2, 0, 0)


def test_older_debt_gets_its_bucket_discount() -> None:
    old = AccountSnapshot(100_000, "PEN", 200)
    assert offers(old, POLICY, AS_OF)[0].terms.amount_minor == 70_000


def test_only_the_settlement_when_no_plan_fits() -> None:
    small = AccountSnapshot(9_000, "PEN", 10)  # 2 instalments of 4050 are below 5000
    assert [o.kind for o in offers(small, POLICY, AS_OF)] == [OfferKind.SETTLEMENT]


def test_interest_bearing_offers() -> None:
    policy = NegotiationPolicy.model_validate(
        {**POLICY.model_dump(), "monthly_interest_rate": Decimal("0.02")}
    )
    fewest = offers(ACCOUNT, policy, AS_OF)[1].terms
    assert amounts(fewest) == [10_000, 46_354, 46_355]  # residue in the last instalment
    assert fewest.interest_minor == 2709


def test_accepted_plan_by_count_gets_the_minimum_down_payment() -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByCount(6), AS_OF)
    assert result.status is EvaluationStatus.ACCEPTED
    assert result.offer is not None and result.offer.kind is OfferKind.PROPOSAL
    assert amounts(result.offer.terms) == [10_000] + [15_000] * 6
    assert result.violations == () and result.requested == result.offer.terms


def test_i_can_pay_x_a_month_gets_the_fewest_instalments_that_fit() -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByAmount(20_000), AS_OF)
    assert result.status is EvaluationStatus.ACCEPTED
    assert amounts(result.offer.terms) == [10_000] + [18_000] * 5


def test_too_many_instalments_are_countered_with_the_most_allowed() -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByCount(24), AS_OF)
    assert result.status is EvaluationStatus.COUNTER_OFFER
    assert [v.as_dict() for v in result.violations] == [
        {"code": "too_many_instalments", "maximum": 12, "actual": 24},
        {"code": "instalment_below_minimum", "minimum": 5000, "actual": 3750},
        {"code": "plan_too_long", "max_days": 366, "latest": "2025-01-31", "actual": "2026-02-02"},
    ]
    assert result.offer.kind is OfferKind.COUNTER_OFFER
    assert result.offer.terms.instalment_count == 11
    assert result.requested.instalment_count == 24


def test_instalment_below_minimum_is_countered() -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByAmount(3000), AS_OF)
    assert result.status is EvaluationStatus.COUNTER_OFFER
    assert result.violations[0].as_dict() == {
        "code": "too_many_instalments",
        "maximum": 12,
        "actual": 30,
    }
    assert {"code": "instalment_below_minimum", "minimum": 5000, "actual": 3000} in [
        v.as_dict() for v in result.violations
    ]
    assert result.offer.terms.instalment_count == 11  # the lowest instalment allowed


def test_frequency_not_allowed_moves_to_the_nearest_allowed_one() -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByCount(8, Frequency.WEEKLY), AS_OF)
    assert result.violations[0].as_dict() == {
        "code": "frequency_not_allowed",
        "allowed": ["biweekly", "monthly"],
        "actual": "weekly",
    }
    assert result.offer.terms.frequency is Frequency.BIWEEKLY
    assert result.offer.terms.instalment_count == 8


def test_capacity_is_converted_to_the_new_frequency() -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByAmount(10_000, Frequency.WEEKLY), AS_OF)
    counter = result.offer.terms
    assert counter.frequency is Frequency.BIWEEKLY  # 10000 a week = 20000 a fortnight
    assert amounts(counter) == [10_000] + [18_000] * 5


@pytest.mark.parametrize(
    ("first_due", "code", "countered_first_due"),
    [
        (date(2024, 1, 20), "first_payment_in_past", AS_OF),
        (date(2024, 3, 1), "first_payment_too_late", date(2024, 2, 10)),
    ],
)
def test_first_payment_date_is_clamped(
    first_due: date, code: str, countered_first_due: date
) -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByCount(4, first_due=first_due), AS_OF)
    assert codes(result) == [code]
    assert result.offer.terms.first_due == countered_first_due
    assert result.offer.terms.instalment_count == 4


def test_down_payment_rules() -> None:
    explicit_none = evaluate(ACCOUNT, POLICY, PlanByCount(4, down_payment_minor=0), AS_OF)
    assert [v.as_dict() for v in explicit_none.violations] == [
        {"code": "down_payment_below_minimum", "minimum": 10_000, "actual": 0}
    ]
    assert explicit_none.offer.terms.down_payment_minor == 10_000
    half = evaluate(ACCOUNT, POLICY, PlanByCount(4, down_payment_bps=5000), AS_OF)
    assert half.status is EvaluationStatus.ACCEPTED
    assert amounts(half.offer.terms) == [50_000] + [12_500] * 4
    everything = evaluate(ACCOUNT, POLICY, PlanByCount(4, down_payment_minor=100_000), AS_OF)
    assert everything.requested is None
    assert [v.as_dict() for v in everything.violations] == [
        {"code": "down_payment_too_large", "maximum": 99_999}
    ]
    assert everything.offer.terms.down_payment_minor == 10_000


def test_settlement_requests() -> None:
    too_cheap = evaluate(ACCOUNT, POLICY, SettlementRequest(80_000), AS_OF)
    assert too_cheap.status is EvaluationStatus.COUNTER_OFFER
    assert [v.as_dict() for v in too_cheap.violations] == [
        {
            "code": "discount_above_maximum",
            "maximum_bps": 1000,
            "minimum_amount": 90_000,
            "actual": 80_000,
        }
    ]
    assert too_cheap.offer.terms == Settlement("PEN", 100_000, 90_000, date(2024, 2, 5))
    fine = evaluate(ACCOUNT, POLICY, SettlementRequest(95_000, date(2024, 2, 3)), AS_OF)
    assert fine.status is EvaluationStatus.ACCEPTED
    assert fine.offer.terms.discount_minor == 5_000
    late = evaluate(ACCOUNT, POLICY, SettlementRequest(100_000, date(2024, 2, 20)), AS_OF)
    assert codes(late) == ["settlement_after_deadline"]
    assert late.offer.terms.due_date == date(2024, 2, 5)
    too_much = evaluate(ACCOUNT, POLICY, SettlementRequest(120_000), AS_OF)
    assert codes(too_much) == ["amount_above_balance"]
    assert too_much.offer.terms.amount_minor == 100_000


def test_needs_approval_when_no_plan_is_acceptable() -> None:
    small = AccountSnapshot(9_000, "PEN", 10)
    result = evaluate(small, POLICY, PlanByCount(3), AS_OF)
    assert result.status is EvaluationStatus.NEEDS_APPROVAL and result.needs_approval
    assert result.offer is None
    assert result.requested is not None
    assert {"code": "instalment_below_minimum", "minimum": 5000, "actual": 2700} in [
        v.as_dict() for v in result.violations
    ]


def test_needs_approval_when_the_debtor_insists_keeps_the_counter_offer() -> None:
    result = evaluate(ACCOUNT, POLICY, PlanByCount(24), AS_OF, insist=True)
    assert result.status is EvaluationStatus.NEEDS_APPROVAL
    assert result.offer.kind is OfferKind.COUNTER_OFFER
    assert result.offer.terms.instalment_count == 11
    assert result.requested.instalment_count == 24
    assert codes(result) == ["too_many_instalments", "instalment_below_minimum", "plan_too_long"]
    accepted = evaluate(ACCOUNT, POLICY, PlanByCount(6), AS_OF, insist=True)
    assert accepted.status is EvaluationStatus.ACCEPTED


def test_counter_offers_and_offers_are_accepted_when_proposed_back() -> None:
    counter = evaluate(ACCOUNT, POLICY, PlanByAmount(3000, Frequency.WEEKLY), AS_OF).offer
    again = evaluate(ACCOUNT, POLICY, as_proposal(counter.terms), AS_OF)
    assert again.status is EvaluationStatus.ACCEPTED and again.offer.terms == counter.terms
    for offer in offers(ACCOUNT, POLICY, AS_OF):
        assert evaluate(ACCOUNT, POLICY, as_proposal(offer.terms), AS_OF).status is (
            EvaluationStatus.ACCEPTED
        )


def test_currency_must_match_the_policy() -> None:
    with pytest.raises(MoneyError) as raised:
        offers(AccountSnapshot(100, "USD", 0), POLICY, AS_OF)
    assert raised.value.code == "currency_mismatch"


def test_negotiations_remaining_counts_a_rolling_window() -> None:
    opened = [AS_OF - timedelta(days=30), AS_OF - timedelta(days=29), AS_OF]
    assert negotiations_remaining(ACCOUNT, POLICY, opened, AS_OF) == 1  # 3 per 30 days
    assert negotiations_remaining(ACCOUNT, POLICY, opened * 3, AS_OF) == 0
    assert negotiations_remaining(ACCOUNT, POLICY, [], AS_OF) == 3


@pytest.mark.parametrize(
    "build",
    [
        lambda: PlanByCount(0),
        lambda: PlanByAmount(0),
        lambda: PlanByCount(3, down_payment_minor=-1),
        lambda: PlanByCount(3, down_payment_bps=10_001),
        lambda: PlanByCount(3, down_payment_minor=100, down_payment_bps=100),
        lambda: PlanByCount(3, "daily"),
        lambda: SettlementRequest(0),
        lambda: AccountSnapshot(0, "PEN", 0),
    ],
)
def test_malformed_input_is_rejected(build) -> None:
    with pytest.raises(ValueError):
        build()


def test_frequency_may_be_given_as_text() -> None:
    assert PlanByCount(3, "biweekly").frequency is Frequency.BIWEEKLY  # type: ignore[arg-type]
