"""Instalment schedules: due dates, amounts and their principal/interest split.

Pure functions over integers and ``Decimal``; no database, no floats.

Rules
-----
* Money is ``int`` minor units of an ISO 4217 currency (see :mod:`shared.money`). A
  zero-decimal currency such as CLP needs no special case: its minor unit *is* the peso.
* ``principal_minor`` is the whole amount owed. An optional **down payment** is instalment
  number 0, due on ``first_due``; the ``n`` regular instalments (numbers 1..n) then fall one
  period apart starting one period *after* ``first_due``. Without a down payment instalment 1 is
  due on ``first_due``. Only the financed part (principal - down payment) bears interest.
* **Zero interest**: the financed amount is split with :func:`shared.money.allocate`; the
  leftover minor units go one each to the *first* instalments (34 in 4 -> 9, 9, 8, 8).
  ``Schedule.remainder_instalment`` is ``RemainderRule.FIRST_INSTALMENTS``.
* **Interest > 0**: French system (level payment). With ``i`` the period rate, the payment is
  ``A = F*i / (1 - (1+i)^-n)`` rounded ROUND_HALF_UP to a minor unit; each period's interest
  is ``balance*i`` rounded the same way and its principal is ``A - interest``. The *last*
  instalment pays the whole remaining balance plus its interest, so it absorbs every rounding
  residue. ``Schedule.remainder_instalment`` is ``RemainderRule.LAST_INSTALMENT``.
* **Period rate**: monthly plans use the monthly rate as is. Weekly and biweekly plans use the
  effective rate equivalent over a year of 52 weeks / 26 fortnights:
  ``(1 + monthly)^(12/52) - 1`` and ``(1 + monthly)^(12/26) - 1``, computed with 34
  significant digits (2 % a month is about 0.458 % a week).
* The instalments always sum exactly to ``principal_minor + interest``; every instalment is at
  least one minor unit, otherwise :class:`ScheduleError` is raised. That only happens for
  instalments of a few minor units: fewer minor units than instalments without interest, or a
  French payment so small that its rounding, repeated n times, eats the last instalment.
* **Dates** are real calendar days. Weekly is +7 days, biweekly +14. Monthly dates are computed
  from the anchor (``first_due``), never from the previous date: anchored on the 31st they fall
  on the last day of shorter months (Feb 28, or Feb 29 in leap years) and go back to the 31st
  whenever the month has one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from functools import lru_cache

from shared.money import allocate, exponent

MAX_INSTALMENTS = 600
"""Hard ceiling on regular instalments (50 years monthly); no policy may allow more."""

_PRECISION = Context(prec=34)
_MINOR = Decimal(1)


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


PERIODS_PER_YEAR: dict[Frequency, int] = {
    Frequency.WEEKLY: 52,
    Frequency.BIWEEKLY: 26,
    Frequency.MONTHLY: 12,
}

_FIXED_PERIOD_DAYS: dict[Frequency, int] = {Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14}


class RemainderRule(StrEnum):
    """Which instalments absorb the minor units that do not split evenly."""

    FIRST_INSTALMENTS = "first_instalments"  # zero interest: one extra unit each to the first
    LAST_INSTALMENT = "last_instalment"  # French system: the last one takes the residue


class ScheduleError(ValueError):
    """A schedule cannot be built; ``code`` and ``params`` are machine-readable."""

    def __init__(self, code: str, message: str, **params: int) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 0 = down payment, 1..n = regular instalments
    due_date: date
    amount_minor: int  # = principal_minor + interest_minor
    principal_minor: int
    interest_minor: int


@dataclass(frozen=True, slots=True)
class Schedule:
    currency: str
    principal_minor: int  # the whole amount owed, down payment included
    down_payment_minor: int
    instalment_count: int  # regular instalments, the down payment not counted
    frequency: Frequency
    monthly_rate: Decimal
    period_rate: Decimal
    as_of: date  # when the schedule was computed; limits are checked against a caller's date
    instalments: tuple[Instalment, ...]
    remainder_instalment: RemainderRule

    @property
    def first_due(self) -> date:
        return self.instalments[0].due_date

    @property
    def last_due(self) -> date:
        return self.instalments[-1].due_date

    @property
    def regular(self) -> tuple[Instalment, ...]:
        """The instalments after the down payment (numbers 1..n)."""
        return self.instalments[1:] if self.down_payment_minor else self.instalments

    @property
    def financed_minor(self) -> int:
        return self.principal_minor - self.down_payment_minor

    @property
    def interest_minor(self) -> int:
        return sum(i.interest_minor for i in self.instalments)

    @property
    def total_minor(self) -> int:
        """Principal plus interest; the instalments sum exactly to it."""
        return sum(i.amount_minor for i in self.instalments)


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, clamped to the last day of shorter months."""
    year, month0 = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    return date(year, month0 + 1, min(anchor.day, calendar.monthrange(year, month0 + 1)[1]))


def shift(anchor: date, frequency: Frequency, periods: int) -> date:
    """The date ``periods`` periods after ``anchor``, always computed from the anchor."""
    if frequency == Frequency.MONTHLY:
        return add_months(anchor, periods)
    return anchor + timedelta(days=_FIXED_PERIOD_DAYS[frequency] * periods)


def periods_until(anchor: date, frequency: Frequency, limit: date) -> int:
    """Largest ``k >= 0`` with ``shift(anchor, frequency, k) <= limit``; -1 if limit < anchor."""
    if limit < anchor:
        return -1
    if frequency == Frequency.MONTHLY:
        k = (limit.year - anchor.year) * 12 + limit.month - anchor.month
        return k - 1 if add_months(anchor, k) > limit else k
    return (limit - anchor).days // _FIXED_PERIOD_DAYS[frequency]


@lru_cache(maxsize=4096)
def max_span_days(frequency: Frequency, periods: int) -> int:
    """The most days ``periods`` periods can span from any start date (leap years included)."""
    if frequency != Frequency.MONTHLY:
        return _FIXED_PERIOD_DAYS[frequency] * periods
    starts = (date(2000 + m // 12, m % 12 + 1, 1) for m in range(48))  # a whole leap cycle
    return max((add_months(start, periods) - start).days for start in starts)


def period_rate(monthly_rate: Decimal, frequency: Frequency) -> Decimal:
    """The effective rate per period equivalent to ``monthly_rate`` (see the module rules)."""
    if frequency == Frequency.MONTHLY or not monthly_rate:
        return monthly_rate
    with localcontext(_PRECISION):
        return (1 + monthly_rate) ** (Decimal(12) / PERIODS_PER_YEAR[frequency]) - 1


def level_payment(financed_minor: int, n: int, rate: Decimal) -> int:
    """The largest regular instalment of an ``n``-instalment split, before any residue.

    Zero interest: the first (largest) share of :func:`allocate`. Otherwise the rounded French
    payment ``A``; the last instalment may differ from it by the rounding residue.
    """
    if not rate:
        return -(-financed_minor // n)
    with localcontext(_PRECISION):
        exact = financed_minor * rate / (1 - (1 + rate) ** -n)
        return int(exact.quantize(_MINOR, rounding=ROUND_HALF_UP))


def build_schedule(
    principal_minor: int,
    currency: str,
    n: int,
    frequency: Frequency,
    first_due: date,
    monthly_rate: Decimal,
    *,
    down_payment_minor: int = 0,
    as_of: date,
) -> Schedule:
    """Build the schedule of ``n`` regular instalments (plus the down payment, if any).

    Raises :class:`ScheduleError` with code ``invalid_principal``, ``invalid_rate``,
    ``too_few_instalments``, ``too_many_instalments``, ``invalid_down_payment``,
    ``down_payment_too_large`` or ``instalment_below_minimum`` (an instalment under one minor
    unit). Limits of a negotiation policy are *not* checked here; see ``limits.check_plan``.
    """
    exponent(currency)  # rejects unsupported currencies (MoneyError)
    if not isinstance(monthly_rate, Decimal) or not monthly_rate.is_finite() or monthly_rate < 0:
        raise ScheduleError("invalid_rate", "monthly_rate must be a finite Decimal >= 0")
    if principal_minor < 1:
        raise ScheduleError("invalid_principal", "principal must be at least one minor unit")
    if n < 1:
        raise ScheduleError("too_few_instalments", "at least one instalment", minimum=1)
    if n > MAX_INSTALMENTS:
        raise ScheduleError(
            "too_many_instalments", f"at most {MAX_INSTALMENTS}", maximum=MAX_INSTALMENTS
        )
    if down_payment_minor < 0:
        raise ScheduleError("invalid_down_payment", "down payment must not be negative")
    if down_payment_minor >= principal_minor:
        raise ScheduleError(
            "down_payment_too_large",
            "the down payment must leave something to finance",
            maximum=principal_minor - 1,
        )
    rate = period_rate(monthly_rate, frequency)
    financed = principal_minor - down_payment_minor
    rows = _french(financed, n, rate) if rate else [(amount, 0) for amount in allocate(financed, n)]
    if any(principal + interest < 1 or principal < 0 for principal, interest in rows):
        raise ScheduleError(
            "instalment_below_minimum",
            f"{financed} minor units cannot be split into {n} instalments of at least 1",
            minimum=1,
        )
    offset = 1 if down_payment_minor else 0
    instalments = [
        Instalment(k, shift(first_due, frequency, k - 1 + offset), p + i, p, i)
        for k, (p, i) in enumerate(rows, start=1)
    ]
    if down_payment_minor:
        instalments.insert(0, Instalment(0, first_due, down_payment_minor, down_payment_minor, 0))
    return Schedule(
        currency=currency,
        principal_minor=principal_minor,
        down_payment_minor=down_payment_minor,
        instalment_count=n,
        frequency=frequency,
        monthly_rate=monthly_rate,
        period_rate=rate,
        as_of=as_of,
        instalments=tuple(instalments),
        remainder_instalment=(
            RemainderRule.LAST_INSTALMENT if rate else RemainderRule.FIRST_INSTALMENTS
        ),
    )


def _french(financed: int, n: int, rate: Decimal) -> list[tuple[int, int]]:
    """(principal, interest) per instalment; the last one settles the remaining balance."""
    payment = level_payment(financed, n, rate)
    balance = financed
    rows: list[tuple[int, int]] = []
    with localcontext(_PRECISION):
        for k in range(1, n + 1):
            interest = int((balance * rate).quantize(_MINOR, rounding=ROUND_HALF_UP))
            principal = balance if k == n else payment - interest
            rows.append((principal, interest))
            balance -= principal
    return rows
