"""Negotiation policy: what a portfolio lets a debtor negotiate, as validated data.

A :class:`NegotiationPolicy` is stored per portfolio as JSON (``model_dump_json`` /
``model_validate_json``). Building one validates it: contradictory or out-of-range limits raise
``pydantic.ValidationError`` with a message naming the field (the API maps it to a 422
``invalid_policy``). Unknown keys are rejected too, so a typo never silently drops a limit.

Units: money in integer minor units of ``currency``; shares of the balance in basis points
(``10_000`` = 100 %); the monthly interest rate as a ``Decimal`` such as ``Decimal("0.025")``
(JSON: the string ``"0.025"``; floats are rejected); durations in days or hours.

Rules the limits encode
-----------------------
* Instalment plans have ``min_instalments..max_instalments`` regular instalments, at an allowed
  frequency, each at least ``min_instalment_minor``; the down payment is not counted as an
  instalment. The required down payment is the larger of ``min_down_payment_bps`` of the
  balance (rounded up) and ``min_down_payment_minor``. The first payment is due within
  ``max_days_first_payment`` days and the last one within ``max_plan_days`` days of the day the
  plan is made. ``monthly_interest_rate`` applies to every plan (0 = interest-free).
* A plan breaks when ``missed_instalments_to_break`` (1 or 2) instalments are unpaid more than
  ``grace_days`` after their due date (see :mod:`backend.negotiation.breach`).
* Settlements (one payment of the balance minus a discount) may take up to the discount of the
  account's aging bucket in ``settlement_discount_by_bucket``, falling back to
  ``settlement_max_discount_bps``, and must be paid within ``settlement_deadline_days``.
* A promise to pay may be dated at most ``max_promise_days`` ahead.
* Offers are valid ``offer_validity_hours``; a debtor may open ``max_negotiations``
  self-service negotiations per account within any ``negotiation_period_days`` days.
* ``overrides`` tailor limits to segments. An override matches an aging bucket (any of
  ``buckets``), a balance range (``min_balance_minor..max_balance_minor``, inclusive) and/or
  the account's stored segment (any of ``segments``, names of ``backend.segments`` rules; an
  account no rule took matches none); every criterion given must hold, the first matching
  override wins and replaces only the fields it sets. Its settlement
  discount wins over the base table: its table entry for the bucket, else its
  ``settlement_max_discount_bps``, else the base rule. Each override must yield a valid policy.

Besides ranges (no negative amount or duration, bps at most 10_000, rate in [0, 1), 1-600
instalments, at least one frequency), validation rejects contradictions: ``min_instalments``
above ``max_instalments``; a 100 % minimum down payment (nothing left to finance); a
``max_plan_days`` too short for the shortest allowed plan (``min_instalments`` at the most
frequent allowed frequency, after the down payment if one is required, starting today, on the
longest calendar stretch); an override without criteria, with an inverted balance range, or
that makes the policy invalid once applied.

:func:`effective_policy` resolves all of this into a flat :class:`ResolvedPolicy` for one
account; the engine only ever checks limits against a resolved policy.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from backend.negotiation.schedule import (
    MAX_INSTALMENTS,
    PERIODS_PER_YEAR,
    Frequency,
    max_span_days,
)
from shared.money import exponent
from shared.schemas.enums import AgingBucket

Count = Annotated[int, Field(strict=True, ge=1, le=MAX_INSTALMENTS)]
Days = Annotated[int, Field(strict=True, ge=0)]
Minor = Annotated[int, Field(strict=True, ge=0)]
Bps = Annotated[int, Field(strict=True, ge=0, le=10_000)]
DownPaymentBps = Annotated[int, Field(strict=True, ge=0, lt=10_000)]  # 100 % is no plan
Hours = Annotated[int, Field(strict=True, ge=1)]
PositiveDays = Annotated[int, Field(strict=True, ge=1)]
MissedToBreak = Literal[1, 2]
SegmentName = Annotated[str, Field(min_length=1, max_length=40)]  # as SegmentRule.segment
Frequencies = Annotated[
    frozenset[Frequency],
    Field(min_length=1),
    PlainSerializer(
        lambda fs: sorted(fs, key=PERIODS_PER_YEAR.__getitem__, reverse=True)
    ),  # stable JSON
]
Discounts = dict[AgingBucket, Bps]

DEFAULT_SETTLEMENT_DISCOUNTS: dict[AgingBucket, int] = {
    AgingBucket.CURRENT: 0,
    AgingBucket.DAYS_1_30: 500,
    AgingBucket.DAYS_31_60: 1000,
    AgingBucket.DAYS_61_90: 1500,
    AgingBucket.DAYS_91_180: 2500,
    AgingBucket.DAYS_181_PLUS: 4000,
}


def _no_float_rate(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(
            'monthly_interest_rate must be a decimal string such as "0.025", not a float'
        )
    return value


class _Limits(BaseModel):
    """The limits shared by a stored policy and a resolved one, with their consistency rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_instalments: Count = 2
    max_instalments: Count = 12
    frequencies: Frequencies = frozenset(Frequency)
    min_down_payment_bps: DownPaymentBps = 1000
    min_down_payment_minor: Minor = 0
    min_instalment_minor: Minor = 0
    max_days_first_payment: Days = 7
    monthly_interest_rate: Decimal = Field(default=Decimal(0), ge=0, lt=1, allow_inf_nan=False)
    max_plan_days: Days = 366
    grace_days: Days = 5
    missed_instalments_to_break: MissedToBreak = 2
    settlement_max_discount_bps: Bps = 0
    settlement_deadline_days: Days = 7
    offer_validity_hours: Hours = 48
    max_negotiations: Minor = 3
    negotiation_period_days: PositiveDays = 30
    max_promise_days: PositiveDays = 30

    @field_validator("monthly_interest_rate", mode="before")
    @classmethod
    def _rate_is_not_float(cls, value: Any) -> Any:
        return _no_float_rate(value)

    @property
    def down_payment_required(self) -> bool:
        return self.min_down_payment_bps > 0 or self.min_down_payment_minor > 0

    @model_validator(mode="after")
    def _limits_are_consistent(self) -> Self:
        if self.min_instalments > self.max_instalments:
            raise ValueError(
                f"min_instalments ({self.min_instalments}) must not exceed "
                f"max_instalments ({self.max_instalments})"
            )
        # The shortest plan (first payment today) must fit in max_plan_days on any calendar.
        periods = self.min_instalments - 1 + (1 if self.down_payment_required else 0)
        needed = min(max_span_days(f, periods) for f in self.frequencies)
        if needed > self.max_plan_days:
            raise ValueError(
                f"max_plan_days ({self.max_plan_days}) is shorter than the shortest allowed "
                f"plan ({self.min_instalments} instalment(s)"
                f"{' after a down payment' if self.down_payment_required else ''} "
                f"can span {needed} days)"
            )
        return self


LIMIT_FIELDS: tuple[str, ...] = tuple(_Limits.model_fields)


class PolicyOverride(BaseModel):
    """Limits for a segment: matched by bucket, balance and/or stored segment; unset (None)
    fields keep the base."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    buckets: Annotated[frozenset[AgingBucket], Field(min_length=1)] | None = None
    segments: Annotated[frozenset[SegmentName], Field(min_length=1)] | None = None
    min_balance_minor: Minor | None = None
    max_balance_minor: Minor | None = None

    min_instalments: Count | None = None
    max_instalments: Count | None = None
    frequencies: Frequencies | None = None
    min_down_payment_bps: DownPaymentBps | None = None
    min_down_payment_minor: Minor | None = None
    min_instalment_minor: Minor | None = None
    max_days_first_payment: Days | None = None
    monthly_interest_rate: Decimal | None = Field(default=None, ge=0, lt=1, allow_inf_nan=False)
    max_plan_days: Days | None = None
    grace_days: Days | None = None
    missed_instalments_to_break: MissedToBreak | None = None
    settlement_max_discount_bps: Bps | None = None
    settlement_deadline_days: Days | None = None
    offer_validity_hours: Hours | None = None
    max_negotiations: Minor | None = None
    negotiation_period_days: PositiveDays | None = None
    max_promise_days: PositiveDays | None = None
    settlement_discount_by_bucket: Discounts | None = None

    @field_validator("monthly_interest_rate", mode="before")
    @classmethod
    def _rate_is_not_float(cls, value: Any) -> Any:
        return _no_float_rate(value)

    @model_validator(mode="after")
    def _criteria_are_valid(self) -> Self:
        if (
            self.buckets is None
            and self.segments is None
            and self.min_balance_minor is None
            and self.max_balance_minor is None
        ):
            raise ValueError(
                "an override needs a criterion: buckets, segments, min_balance_minor or "
                "max_balance_minor"
            )
        if (
            self.min_balance_minor is not None
            and self.max_balance_minor is not None
            and self.min_balance_minor > self.max_balance_minor
        ):
            raise ValueError(
                f"min_balance_minor ({self.min_balance_minor}) must not exceed "
                f"max_balance_minor ({self.max_balance_minor})"
            )
        return self

    def matches(self, bucket: AgingBucket, balance_minor: int, segment: str | None = None) -> bool:
        return (
            (self.buckets is None or bucket in self.buckets)
            and (self.segments is None or segment in self.segments)
            and (self.min_balance_minor is None or balance_minor >= self.min_balance_minor)
            and (self.max_balance_minor is None or balance_minor <= self.max_balance_minor)
        )

    def limit_updates(self) -> dict[str, Any]:
        """The limit fields this override sets."""
        return {name: value for name in LIMIT_FIELDS if (value := getattr(self, name)) is not None}


class ResolvedPolicy(_Limits):
    """The limits that apply to one account: overrides applied, settlement discount resolved."""

    currency: str
    bucket: AgingBucket


class NegotiationPolicy(_Limits):
    """A portfolio's negotiation policy (see the module docstring for every rule)."""

    currency: str
    settlement_discount_by_bucket: Discounts = Field(
        default_factory=lambda: dict(DEFAULT_SETTLEMENT_DISCOUNTS)
    )
    overrides: tuple[PolicyOverride, ...] = ()

    @field_validator("currency")
    @classmethod
    def _supported_currency(cls, value: str) -> str:
        exponent(value)  # MoneyError is a ValueError: reported as a validation error
        return value

    @model_validator(mode="after")
    def _overrides_yield_valid_policies(self) -> Self:
        for index, override in enumerate(self.overrides):
            bucket = min(override.buckets) if override.buckets else AgingBucket.CURRENT
            try:
                _resolve(self, override, bucket)
            except ValidationError as exc:
                problems = "; ".join(_describe(error) for error in exc.errors())
                raise ValueError(
                    f"overrides[{index}] makes the policy invalid: {problems}"
                ) from None
        return self


def _describe(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")
    return f"{'.'.join(map(str, error['loc']))}: {message}" if error["loc"] else message


def effective_policy(
    policy: NegotiationPolicy,
    bucket: AgingBucket,
    balance_minor: int,
    segment: str | None = None,
) -> ResolvedPolicy:
    """The limits for an account in ``bucket`` owing ``balance_minor``, in ``segment`` (None:
    no rule took it): the first matching override applied."""
    override = next(
        (o for o in policy.overrides if o.matches(bucket, balance_minor, segment)), None
    )
    return _resolve(policy, override, bucket)


def _resolve(
    policy: NegotiationPolicy, override: PolicyOverride | None, bucket: AgingBucket
) -> ResolvedPolicy:
    values = {name: getattr(policy, name) for name in LIMIT_FIELDS}
    discount = policy.settlement_discount_by_bucket.get(bucket, policy.settlement_max_discount_bps)
    if override is not None:
        values.update(override.limit_updates())
        table = override.settlement_discount_by_bucket or {}
        if bucket in table:
            discount = table[bucket]
        elif override.settlement_max_discount_bps is not None:
            discount = override.settlement_max_discount_bps
    values["settlement_max_discount_bps"] = discount
    return ResolvedPolicy(currency=policy.currency, bucket=bucket, **values)


def default_policy(currency: str) -> NegotiationPolicy:
    """A conservative starting policy for a portfolio in ``currency``.

    2-12 weekly, biweekly or monthly instalments within 366 days, 10 % down, first payment
    within 7 days, no interest, broken at the 2nd instalment missed by more than 5 days;
    settlements from 0 % (current) to 40 % (181+ days) off, payable within 7 days; offers valid
    48 hours; 3 self-service negotiations per 30 days. There is no absolute minimum instalment
    (0), because a sensible one depends on the currency: set ``min_instalment_minor`` per
    portfolio.
    """
    return NegotiationPolicy(currency=currency)
