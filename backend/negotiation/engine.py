"""The negotiation engine: offers for an account and answers to a debtor's proposals.

Pure functions over plain data. ``as_of`` is the portfolio's local calendar date (no time
zone); ``AccountSnapshot.days_past_due`` must be computed for that same date. Limits come from
``policy.effective_policy`` for the account's aging bucket, balance and segment, and "within the
limits" always means ``limits.check_plan`` / ``limits.check_settlement`` return no violation.

:func:`offers` returns, in this order: the settlement (the balance minus the largest discount of
the account's bucket, due on the settlement deadline); then, if any plan is acceptable, the
plan with the fewest instalments, a balanced middle plan when one fits strictly between, and the
plan with the lowest instalment (the most instalments that still respect the minimum instalment
and the maximum plan length). Plans use the longest allowed period (monthly, then biweekly,
then weekly), the required down payment and the first payment on ``default_first_due`` (or
today if only that fits). Every offer expires ``offer_validity_hours`` after ``issued_at``
(default: the start of ``as_of``).

:func:`evaluate` answers a proposal with exactly one status:

* ``accepted`` - the proposal's own terms have no violation; ``offer.terms`` are those terms.
* ``counter_offer`` - the proposal has violations (listed in ``violations``, each a
  machine-readable code with its limits) and a closest acceptable arrangement exists: it is
  ``offer.terms``, and evaluating ``proposals.as_proposal(offer.terms)`` answers ``accepted``.
* ``needs_approval`` - the proposal has violations and either no acceptable arrangement of the
  same kind exists (e.g. the balance is too small for any plan above the minimum instalment) or
  the debtor insists (``insist=True``). ``violations`` say what a supervisor would approve,
  ``requested`` holds the proposed terms when they can be built, and ``offer`` still carries the
  counter-offer when there is one, so the debtor can take it while the approval is pending.

The closest settlement keeps the proposed amount and date, raised to the minimum amount and
clamped between today and the deadline. The closest plan keeps as much of the proposal as it
can, trying in order: the proposed frequency, then the other allowed ones from the nearest
period; first with the proposed first date (clamped to the allowed window) and down payment
(raised to the minimum, or replaced by it if it would leave nothing to finance), then with the
first payment today and the minimum down payment. Within the first of those shapes that has
acceptable plans, the count is the proposed one clamped to the acceptable range; for
"X per period" it is the fewest instalments whose level payment fits X (converted to the new
period by periods per year, rounded down) or, when X cannot be met, the most instalments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from backend.negotiation.limits import (
    Violation,
    check_plan,
    check_settlement,
    default_first_due,
    required_down_payment,
    violation,
)
from backend.negotiation.policy import (
    NegotiationPolicy,
    ResolvedPolicy,
    effective_policy,
)
from backend.negotiation.proposals import (
    PlanByAmount,
    PlanByCount,
    Proposal,
    SettlementRequest,
    Terms,
    down_payment_of,
)
from backend.negotiation.schedule import PERIODS_PER_YEAR, Frequency, Schedule, ScheduleError
from backend.negotiation.search import (
    PlanShape,
    acceptable_plan,
    build_plan,
    count_for_capacity,
    first_acceptable,
)
from backend.negotiation.settlement import (
    Settlement,
    best_settlement,
    max_settlement_discount,
    settlement_deadline,
)
from shared.money import MoneyError, exponent
from shared.schemas.enums import AgingBucket
from shared.schemas.enums import bucket_for as aging_bucket


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """What the engine needs to know about an account, as of the evaluation date."""

    balance_minor: int
    currency: str
    days_past_due: int
    segment: str | None = None  # the stored segment (``backend.segments``), for overrides

    def __post_init__(self) -> None:
        exponent(self.currency)
        if self.balance_minor < 1:
            raise ValueError("there is nothing to negotiate on a balance below one minor unit")

    @property
    def bucket(self) -> AgingBucket:
        return aging_bucket(self.days_past_due)


class OfferKind(StrEnum):
    SETTLEMENT = "settlement"
    FEWEST_INSTALMENTS = "fewest_instalments"
    BALANCED = "balanced"
    LOWEST_INSTALMENT = "lowest_instalment"
    PROPOSAL = "proposal"  # the debtor's own terms, accepted
    COUNTER_OFFER = "counter_offer"


@dataclass(frozen=True, slots=True)
class Offer:
    kind: OfferKind
    terms: Terms
    expires_at: datetime


class EvaluationStatus(StrEnum):
    ACCEPTED = "accepted"
    COUNTER_OFFER = "counter_offer"
    NEEDS_APPROVAL = "needs_approval"


@dataclass(frozen=True, slots=True)
class Evaluation:
    status: EvaluationStatus
    offer: Offer | None  # accepted terms, or the counter-offer (None: no acceptable one)
    requested: Terms | None  # the proposal's own terms, None if they cannot even be built
    violations: tuple[Violation, ...]  # how the proposal breaks the policy; empty if accepted

    @property
    def needs_approval(self) -> bool:
        return self.status is EvaluationStatus.NEEDS_APPROVAL


def policy_for(account: AccountSnapshot, policy: NegotiationPolicy) -> ResolvedPolicy:
    """The limits that apply to ``account`` (raises MoneyError on a currency mismatch)."""
    if account.currency != policy.currency:
        raise MoneyError(
            "currency_mismatch",
            f"account in {account.currency} but policy in {policy.currency}",
            given=account.currency,
            expected=policy.currency,
        )
    return effective_policy(policy, account.bucket, account.balance_minor, account.segment)


def offers(
    account: AccountSnapshot,
    policy: NegotiationPolicy,
    as_of: date,
    *,
    issued_at: datetime | None = None,
) -> list[Offer]:
    """The one-tap options for ``account`` (see the module docstring); all within limits."""
    resolved = policy_for(account, policy)
    balance = account.balance_minor
    expires_at = _expiry(resolved, as_of, issued_at)
    result = [Offer(OfferKind.SETTLEMENT, best_settlement(resolved, balance, as_of), expires_at)]
    down = required_down_payment(resolved, balance)
    by_preference = sorted(resolved.frequencies, key=PERIODS_PER_YEAR.__getitem__)
    shapes = [
        PlanShape(frequency, first_due, down)
        for first_due in (default_first_due(resolved, as_of), as_of)
        for frequency in by_preference
    ]
    found = first_acceptable(resolved, balance, as_of, dict.fromkeys(shapes))
    if found is None:
        return result
    shape, lo, hi = found
    kinds = {lo: OfferKind.FEWEST_INSTALMENTS}
    if lo < (middle := (lo + hi) // 2) < hi:
        kinds[middle] = OfferKind.BALANCED
    if hi > lo:
        kinds[hi] = OfferKind.LOWEST_INSTALMENT
    for n, kind in kinds.items():
        plan = acceptable_plan(resolved, balance, as_of, shape, n)
        if plan is not None:
            result.append(Offer(kind, plan, expires_at))
    return result


def evaluate(
    account: AccountSnapshot,
    policy: NegotiationPolicy,
    proposal: Proposal,
    as_of: date,
    *,
    insist: bool = False,
    issued_at: datetime | None = None,
) -> Evaluation:
    """Accept ``proposal``, counter it, or flag it for approval (see the module docstring)."""
    resolved = policy_for(account, policy)
    balance = account.balance_minor
    requested: Terms | None
    violations: list[Violation]
    counter: Terms | None
    if isinstance(proposal, SettlementRequest):
        requested, violations, counter = _negotiate_settlement(resolved, balance, proposal, as_of)
    else:
        requested, violations, counter = _negotiate_plan(resolved, balance, proposal, as_of)
    expires_at = _expiry(resolved, as_of, issued_at)
    if not violations:
        assert requested is not None  # no violation means the terms were built
        offer = Offer(OfferKind.PROPOSAL, requested, expires_at)
        return Evaluation(EvaluationStatus.ACCEPTED, offer, requested, ())
    status = (
        EvaluationStatus.NEEDS_APPROVAL
        if counter is None or insist
        else EvaluationStatus.COUNTER_OFFER
    )
    offer = None if counter is None else Offer(OfferKind.COUNTER_OFFER, counter, expires_at)
    return Evaluation(status, offer, requested, tuple(violations))


def negotiations_remaining(
    account: AccountSnapshot, policy: NegotiationPolicy, opened_on: Iterable[date], as_of: date
) -> int:
    """Self-service negotiations ``account`` may still open: the window is the last
    ``negotiation_period_days`` days up to and including ``as_of``."""
    resolved = policy_for(account, policy)
    window_start = as_of - timedelta(days=resolved.negotiation_period_days - 1)
    used = sum(1 for day in opened_on if window_start <= day <= as_of)
    return max(0, resolved.max_negotiations - used)


def _expiry(policy: ResolvedPolicy, as_of: date, issued_at: datetime | None) -> datetime:
    start = issued_at if issued_at is not None else datetime.combine(as_of, time.min)
    return start + timedelta(hours=policy.offer_validity_hours)


def _negotiate_settlement(
    policy: ResolvedPolicy, balance_minor: int, proposal: SettlementRequest, as_of: date
) -> tuple[Settlement, list[Violation], Settlement | None]:
    """The requested settlement, its violations and, if it has any, the closest acceptable one."""
    deadline = settlement_deadline(policy, as_of)
    due = proposal.pay_on or deadline
    requested = Settlement(policy.currency, balance_minor, proposal.amount_minor, due)
    violations = check_settlement(policy, requested, balance_minor, as_of)
    if not violations:
        return requested, violations, None
    lowest = balance_minor - max_settlement_discount(policy, balance_minor)
    amount = min(max(proposal.amount_minor, lowest), balance_minor)
    closest = Settlement(policy.currency, balance_minor, amount, min(max(due, as_of), deadline))
    return requested, violations, closest


def _negotiate_plan(
    policy: ResolvedPolicy,
    balance_minor: int,
    proposal: PlanByAmount | PlanByCount,
    as_of: date,
) -> tuple[Schedule | None, list[Violation], Schedule | None]:
    """The requested plan (None if it cannot be built), its violations and, if it has any,
    the closest acceptable plan (None if there is no acceptable plan at all)."""
    shape = PlanShape(
        proposal.frequency,
        proposal.first_due or default_first_due(policy, as_of),
        down_payment_of(proposal, balance_minor, required_down_payment(policy, balance_minor)),
    )
    requested, violations = _requested_plan(policy, balance_minor, proposal, shape, as_of)
    if not violations:
        return requested, violations, None
    return requested, violations, _closest_plan(policy, balance_minor, proposal, shape, as_of)


def _requested_plan(
    policy: ResolvedPolicy,
    balance_minor: int,
    proposal: PlanByAmount | PlanByCount,
    shape: PlanShape,
    as_of: date,
) -> tuple[Schedule | None, list[Violation]]:
    if isinstance(proposal, PlanByCount):
        n = proposal.instalments
    else:
        found = count_for_capacity(policy, balance_minor, shape, proposal.instalment_minor)
        if found is None:  # X never pays the balance off within MAX_INSTALMENTS
            return None, _unaffordable(policy, proposal.instalment_minor)
        n = found
    try:
        plan = build_plan(policy, balance_minor, as_of, shape, n)
    except ScheduleError as exc:
        return None, [_build_violation(policy, exc, n)]
    return plan, check_plan(policy, plan, balance_minor, as_of)


def _unaffordable(policy: ResolvedPolicy, capacity_minor: int) -> list[Violation]:
    found = []
    if capacity_minor < policy.min_instalment_minor:
        found.append(
            violation(
                "instalment_below_minimum",
                minimum=policy.min_instalment_minor,
                actual=capacity_minor,
            )
        )
    found.append(violation("too_many_instalments", maximum=policy.max_instalments))
    return found


def _build_violation(policy: ResolvedPolicy, exc: ScheduleError, n: int) -> Violation:
    """A schedule that cannot be built, explained with the policy's own limits."""
    if exc.code == "too_many_instalments":
        return violation(exc.code, maximum=policy.max_instalments, actual=n)
    if exc.code == "instalment_below_minimum":
        return violation(exc.code, minimum=max(1, policy.min_instalment_minor))
    return violation(exc.code, **exc.params)


def _closest_plan(
    policy: ResolvedPolicy,
    balance_minor: int,
    proposal: PlanByAmount | PlanByCount,
    requested: PlanShape,
    as_of: date,
) -> Schedule | None:
    found = first_acceptable(
        policy, balance_minor, as_of, _fallback_shapes(policy, balance_minor, requested, as_of)
    )
    if found is None:
        return None
    shape, lo, hi = found
    if isinstance(proposal, PlanByCount):
        wanted: int | None = proposal.instalments
    else:
        capacity = (
            proposal.instalment_minor
            * PERIODS_PER_YEAR[proposal.frequency]
            // PERIODS_PER_YEAR[shape.frequency]
        )
        wanted = count_for_capacity(policy, balance_minor, shape, capacity)
    n = hi if wanted is None else min(max(wanted, lo), hi)
    return acceptable_plan(policy, balance_minor, as_of, shape, n) or acceptable_plan(
        policy, balance_minor, as_of, shape, hi
    )


def _fallback_shapes(
    policy: ResolvedPolicy, balance_minor: int, requested: PlanShape, as_of: date
) -> list[PlanShape]:
    """The shapes to try for a counter-offer, closest to the requested one first."""
    latest_first = as_of + timedelta(days=policy.max_days_first_payment)
    first_due = min(max(requested.first_due, as_of), latest_first)
    minimum_down = required_down_payment(policy, balance_minor)
    down = requested.down_payment_minor
    if not minimum_down <= down < balance_minor:
        down = minimum_down

    def distance(frequency: Frequency) -> tuple[int, int]:
        days = 364 // PERIODS_PER_YEAR[frequency]
        return abs(days - 364 // PERIODS_PER_YEAR[requested.frequency]), days

    frequencies = sorted(policy.frequencies, key=distance)
    shapes = [PlanShape(f, first_due, down) for f in frequencies]
    shapes += [PlanShape(f, as_of, minimum_down) for f in frequencies]
    return list(dict.fromkeys(shapes))
