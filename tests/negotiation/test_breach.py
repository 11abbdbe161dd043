from datetime import date
from decimal import Decimal

import pytest

from backend.negotiation.breach import is_broken, missed_instalments
from backend.negotiation.policy import AgingBucket, ResolvedPolicy
from backend.negotiation.schedule import Frequency, build_schedule

SCHEDULE = build_schedule(
    300, "PEN", 3, Frequency.MONTHLY, date(2024, 2, 1), Decimal(0), as_of=date(2024, 1, 25)
)  # 100 on Feb 1, Mar 1 and Apr 1


@pytest.mark.parametrize(
    ("as_of", "paid", "missed"),
    [
        (date(2024, 2, 6), 0, 0),  # still within the 5 grace days
        (date(2024, 2, 7), 0, 1),
        (date(2024, 2, 7), 99, 1),  # a partial payment does not cover it
        (date(2024, 3, 7), 100, 1),
        (date(2024, 3, 7), 50, 2),
        (date(2024, 5, 1), 300, 0),
    ],
)
def test_missed_instalments(as_of: date, paid: int, missed: int) -> None:
    assert missed_instalments(SCHEDULE, paid, as_of, grace_days=5) == missed


@pytest.mark.parametrize(("break_at", "broken"), [(1, True), (2, False)])
def test_first_or_second_missed_instalment_breaks_the_plan(break_at: int, broken: bool) -> None:
    policy = ResolvedPolicy(
        currency="PEN",
        bucket=AgingBucket.CURRENT,
        grace_days=5,
        missed_instalments_to_break=break_at,
    )
    assert is_broken(policy, SCHEDULE, 0, date(2024, 2, 7)) is broken
    assert is_broken(policy, SCHEDULE, 0, date(2024, 3, 7))
