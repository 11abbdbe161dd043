import calendar
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.negotiation.schedule import (
    Frequency,
    RemainderRule,
    ScheduleError,
    add_months,
    build_schedule,
    level_payment,
    max_span_days,
    period_rate,
    periods_until,
)
from shared.money import MoneyError
from tests.negotiation.strategies import CURRENCIES, rates

AS_OF = date(2024, 1, 10)
ZERO = Decimal(0)


def amounts(schedule) -> list[int]:
    return [i.amount_minor for i in schedule.instalments]


def monthly(principal: int, n: int, rate: Decimal = ZERO, **kwargs) -> object:
    first_due = kwargs.pop("first_due", date(2024, 1, 15))
    currency = kwargs.pop("currency", "USD")
    return build_schedule(
        principal, currency, n, Frequency.MONTHLY, first_due, rate, as_of=AS_OF, **kwargs
    )


def test_zero_interest_leftover_goes_to_the_first_instalments() -> None:
    schedule = monthly(34, 4)
    assert amounts(schedule) == [9, 9, 8, 8]
    assert schedule.remainder_instalment is RemainderRule.FIRST_INSTALMENTS
    assert schedule.total_minor == 34
    assert schedule.interest_minor == 0
    assert [i.number for i in schedule.instalments] == [1, 2, 3, 4]


def test_french_system_by_hand() -> None:
    # P = 1000.00, i = 5 % a month, n = 3: A = 5000 / (1 - 1.05^-3) = 36720.86 -> 36721
    # 1: interest 5000.00 -> 5000, principal 31721, balance 68279
    # 2: interest 3413.95 -> 3414, principal 33307, balance 34972
    # 3: interest 1748.60 -> 1749, principal 34972 (the rest), amount 36721
    schedule = monthly(100_000, 3, Decimal("0.05"))
    rows = [(i.amount_minor, i.principal_minor, i.interest_minor) for i in schedule.instalments]
    assert rows == [(36721, 31721, 5000), (36721, 33307, 3414), (36721, 34972, 1749)]
    assert schedule.total_minor == 110_163
    assert schedule.interest_minor == 10_163
    assert schedule.remainder_instalment is RemainderRule.LAST_INSTALMENT


def test_french_residue_goes_to_the_last_instalment() -> None:
    # P = 100.01, i = 10 %, n = 2: A = 1000.1 / (1 - 1.1^-2) = 5762.48 -> 5762
    # 1: interest 1000.1 -> 1000, principal 4762, balance 5239
    # 2: interest 523.9 -> 524, principal 5239, amount 5763 (one unit of residue)
    schedule = monthly(10_001, 2, Decimal("0.10"))
    assert amounts(schedule) == [5762, 5763]
    assert [i.interest_minor for i in schedule.instalments] == [1000, 524]
    assert schedule.total_minor == 10_001 + 1524


def test_well_known_french_payment() -> None:
    schedule = monthly(100_000, 12, Decimal("0.02"))  # 1000 at 2 % a month: 94.56
    assert amounts(schedule)[:-1] == [9456] * 11
    assert schedule.total_minor == sum(amounts(schedule)) == 100_000 + schedule.interest_minor


def test_period_rate_conversion() -> None:
    monthly_rate = Decimal("0.02")
    weekly = period_rate(monthly_rate, Frequency.WEEKLY)
    biweekly = period_rate(monthly_rate, Frequency.BIWEEKLY)
    assert abs(weekly - Decimal("0.004580294697583771")) < Decimal("1e-17")
    assert abs((1 + weekly) ** 52 - Decimal("1.02") ** 12) < Decimal("1e-25")
    assert abs((1 + biweekly) ** 26 - Decimal("1.02") ** 12) < Decimal("1e-25")
    assert period_rate(monthly_rate, Frequency.MONTHLY) == monthly_rate
    assert period_rate(ZERO, Frequency.WEEKLY) == 0


def test_monthly_dates_from_the_31st() -> None:
    leap = monthly(400, 4, first_due=date(2024, 1, 31))
    assert [i.due_date for i in leap.instalments] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    common = monthly(300, 3, first_due=date(2023, 1, 31))
    assert [i.due_date for i in common.instalments] == [
        date(2023, 1, 31),
        date(2023, 2, 28),
        date(2023, 3, 31),
    ]


def test_monthly_dates_cross_the_year() -> None:
    schedule = monthly(300, 3, first_due=date(2023, 12, 31))
    assert [i.due_date for i in schedule.instalments] == [
        date(2023, 12, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
    ]


@pytest.mark.parametrize(("frequency", "days"), [(Frequency.WEEKLY, 7), (Frequency.BIWEEKLY, 14)])
def test_weekly_and_biweekly_dates(frequency: Frequency, days: int) -> None:
    first = date(2024, 2, 26)
    schedule = build_schedule(500, "PEN", 5, frequency, first, ZERO, as_of=AS_OF)
    assert [i.due_date for i in schedule.instalments] == [
        first + timedelta(days=days * k) for k in range(5)
    ]


def test_down_payment_is_instalment_zero_on_the_first_date() -> None:
    schedule = monthly(100_000, 3, Decimal("0.05"), down_payment_minor=10_000)
    first = schedule.instalments[0]
    assert (first.number, first.due_date, first.amount_minor) == (0, date(2024, 1, 15), 10_000)
    assert first.interest_minor == 0
    assert [i.due_date for i in schedule.regular] == [
        date(2024, 2, 15),
        date(2024, 3, 15),
        date(2024, 4, 15),
    ]
    assert schedule.instalment_count == 3
    assert schedule.financed_minor == 90_000
    assert sum(i.principal_minor for i in schedule.instalments) == 100_000


def test_clp_has_no_decimals() -> None:
    schedule = monthly(100_000, 3, currency="CLP")
    assert amounts(schedule) == [33_334, 33_333, 33_333]
    with_interest = monthly(100_000, 3, Decimal("0.05"), currency="CLP")
    assert amounts(with_interest) == [36_721, 36_721, 36_721]


@pytest.mark.parametrize(
    ("principal", "n", "down", "code"),
    [
        (0, 3, 0, "invalid_principal"),
        (100, 0, 0, "too_few_instalments"),
        (100_000, 601, 0, "too_many_instalments"),
        (100, 3, -1, "invalid_down_payment"),
        (100, 3, 100, "down_payment_too_large"),
        (5, 12, 0, "instalment_below_minimum"),
    ],
)
def test_impossible_schedules(principal: int, n: int, down: int, code: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        monthly(principal, n, down_payment_minor=down)
    assert raised.value.code == code


def test_rates_are_decimals_never_floats() -> None:
    with pytest.raises(ScheduleError, match="Decimal"):
        monthly(100, 2, 0.02)  # type: ignore[arg-type]
    with pytest.raises(ScheduleError):
        monthly(100, 2, Decimal("-0.01"))
    with pytest.raises(MoneyError):
        monthly(100, 2, currency="XXX")


def test_calendar_helpers() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert periods_until(date(2024, 1, 31), Frequency.MONTHLY, date(2024, 2, 29)) == 1
    assert periods_until(date(2024, 1, 31), Frequency.MONTHLY, date(2024, 2, 28)) == 0
    assert periods_until(date(2024, 1, 31), Frequency.MONTHLY, date(2024, 1, 30)) == -1
    assert periods_until(date(2024, 1, 1), Frequency.WEEKLY, date(2024, 1, 15)) == 2
    assert max_span_days(Frequency.MONTHLY, 12) == 366
    assert max_span_days(Frequency.MONTHLY, 1) == 31
    assert max_span_days(Frequency.BIWEEKLY, 3) == 42


@settings(max_examples=300, deadline=None)
@given(
    principal=st.one_of(st.integers(1, 1_000), st.integers(1, 10**12)),
    n=st.integers(1, 120),
    frequency=st.sampled_from(Frequency),
    rate=rates,
    down_share=st.integers(0, 9_999),
    currency=st.sampled_from(CURRENCIES),
    first_due=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
)
def test_schedules_always_sum_to_the_total(
    principal: int,
    n: int,
    frequency: Frequency,
    rate: Decimal,
    down_share: int,
    currency: str,
    first_due: date,
) -> None:
    down = principal * down_share // 10_000
    try:
        schedule = build_schedule(
            principal,
            currency,
            n,
            frequency,
            first_due,
            rate,
            down_payment_minor=down,
            as_of=first_due,
        )
    except ScheduleError as exc:
        # Only when instalments are no bigger than their worst-case accumulated rounding error:
        # up to one minor unit a period, compounded at the period rate.
        assert exc.code == "instalment_below_minimum"
        i = period_rate(rate, frequency)
        worst_error = ((1 + i) ** n - 1) / i if i else n
        assert level_payment(principal - down, n, i) <= worst_error + 2
        return
    rows = schedule.instalments
    assert schedule.total_minor == principal + schedule.interest_minor
    assert sum(i.principal_minor for i in rows) == principal
    assert all(i.amount_minor == i.principal_minor + i.interest_minor for i in rows)
    assert all(i.amount_minor >= 1 and i.principal_minor >= 0 for i in rows)
    assert len(schedule.regular) == n
    regular = [i.amount_minor for i in schedule.regular]
    if rate:
        assert len(set(regular[:-1])) <= 1  # level payment; the last one takes the residue
    else:
        assert regular == sorted(regular, reverse=True) and regular[0] - regular[-1] <= 1
    dates = [i.due_date for i in rows]
    assert dates[0] == first_due
    if frequency is Frequency.MONTHLY:  # consecutive months, on the anchor day or the last day
        months = [d.year * 12 + d.month for d in dates]
        assert months == list(range(months[0], months[0] + len(dates)))
        assert all(
            d.day == min(first_due.day, calendar.monthrange(d.year, d.month)[1]) for d in dates
        )
    else:
        step = 7 if frequency is Frequency.WEEKLY else 14
        assert all((b - a).days == step for a, b in itertools.pairwise(dates))
