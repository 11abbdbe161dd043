"""Invariants of the engine across random valid policies, accounts (CLP included) and proposals.

* an ``accepted`` arrangement is never outside the limits;
* a counter-offer is within the limits and is ``accepted`` when proposed back;
* ``needs_approval`` without a counter-offer means no plan at all is acceptable;
* ``offers()`` never returns anything outside the limits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.negotiation.engine import (
    AccountSnapshot,
    EvaluationStatus,
    OfferKind,
    evaluate,
    offers,
    policy_for,
)
from backend.negotiation.limits import Violation, check_plan, check_settlement
from backend.negotiation.policy import NegotiationPolicy, ResolvedPolicy
from backend.negotiation.proposals import Terms, as_proposal
from backend.negotiation.settlement import Settlement
from tests.negotiation.strategies import accounts, as_of_dates, policies, proposals

SETTINGS = settings(max_examples=300, deadline=None)


def violations(
    policy: ResolvedPolicy, terms: Terms, account: AccountSnapshot, as_of: date
) -> list[Violation]:
    if isinstance(terms, Settlement):
        return check_settlement(policy, terms, account.balance_minor, as_of)
    assert terms.total_minor == terms.principal_minor + terms.interest_minor
    return check_plan(policy, terms, account.balance_minor, as_of)


@st.composite
def cases(draw: st.DrawFn) -> tuple[NegotiationPolicy, AccountSnapshot, date]:
    policy = draw(policies)
    return policy, draw(accounts(policy.currency)), draw(as_of_dates)


@SETTINGS
@given(case=cases(), data=st.data())
def test_evaluations_respect_the_limits(
    case: tuple[NegotiationPolicy, AccountSnapshot, date], data: st.DataObject
) -> None:
    policy, account, as_of = case
    proposal = data.draw(proposals(as_of, account.balance_minor))
    resolved = policy_for(account, policy)
    result = evaluate(account, policy, proposal, as_of)

    if result.status is EvaluationStatus.ACCEPTED:
        assert result.offer is not None and result.offer.kind is OfferKind.PROPOSAL
        assert result.offer.terms == result.requested
        assert result.violations == ()
        assert violations(resolved, result.offer.terms, account, as_of) == []
    else:
        assert result.violations
        if result.requested is not None:
            assert violations(resolved, result.requested, account, as_of) == list(result.violations)
        if result.status is EvaluationStatus.COUNTER_OFFER:
            assert result.offer is not None
    if result.offer is not None and result.offer.kind is OfferKind.COUNTER_OFFER:
        counter = result.offer.terms
        assert violations(resolved, counter, account, as_of) == []
        again = evaluate(account, policy, as_proposal(counter), as_of)
        assert again.status is EvaluationStatus.ACCEPTED
        assert again.offer is not None and again.offer.terms == counter
    if result.offer is None:  # nothing acceptable of the kind asked for: only plans can lack one
        assert result.status is EvaluationStatus.NEEDS_APPROVAL
        assert [o.kind for o in offers(account, policy, as_of)] == [OfferKind.SETTLEMENT]

    insisted = evaluate(account, policy, proposal, as_of, insist=True)
    expected = (
        EvaluationStatus.ACCEPTED
        if result.status is EvaluationStatus.ACCEPTED
        else EvaluationStatus.NEEDS_APPROVAL
    )
    assert insisted.status is expected
    assert insisted.offer == result.offer


@SETTINGS
@given(case=cases(), issued_at=st.datetimes(datetime(2023, 1, 1), datetime(2031, 1, 1)))
def test_offers_are_always_within_the_limits(
    case: tuple[NegotiationPolicy, AccountSnapshot, date], issued_at: datetime
) -> None:
    policy, account, as_of = case
    resolved = policy_for(account, policy)
    result = offers(account, policy, as_of, issued_at=issued_at)
    assert result[0].kind is OfferKind.SETTLEMENT
    assert len({o.kind for o in result}) == len(result)
    counts = [o.terms.instalment_count for o in result[1:]]
    assert counts == sorted(set(counts))
    for offer in result:
        assert offer.expires_at == issued_at + timedelta(hours=resolved.offer_validity_hours)
        assert violations(resolved, offer.terms, account, as_of) == []
        again = evaluate(account, policy, as_proposal(offer.terms), as_of)
        assert again.status is EvaluationStatus.ACCEPTED
