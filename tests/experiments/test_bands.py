"""The score chooses variants: a variant may target propensity bands, and the bandit learns
per band (the band recorded with each assignment), so two bands can prefer different
templates; an unscored account may get any variant."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.experiments import service
from backend.experiments.models import ExperimentAssignment
from backend.outbound.models import Strategy
from backend.outbound.planner import plan_portfolio
from shared.schemas.enums import EntryKind
from tests import builders as b
from tests.experiments.test_experiments import _accounts, _experiment, _portfolio
from tests.scoring.test_scores import _score


def _recorded(session: Session) -> dict:
    rows = session.execute(
        select(
            ExperimentAssignment.account_id,
            ExperimentAssignment.variant,
            ExperimentAssignment.band,
            ExperimentAssignment.method,
        )
    ).all()
    return {account: (variant, band, method) for account, variant, band, method in rows}


def test_a_variant_for_a_band_goes_only_to_that_bands_accounts(session: Session) -> None:
    portfolio = _portfolio(session)
    variants = [
        {"key": "firme", "template": "saldo", "bands": ["low"]},
        {"key": "suave", "template": "saldo-b", "bands": ["high", "medium"]},
    ]
    _experiment(session, portfolio, variants=variants)
    day = today_in(portfolio.timezone)
    low, high, unscored = (_accounts(session, portfolio, 12, day) for _ in range(3))
    for account in low:
        _score(session, account, 0.1, "low")
    for account in high:
        _score(session, account, 0.8, "high")

    plan_portfolio(session, Actor.system(), portfolio.id, day)
    first = _recorded(session)
    plan_portfolio(session, Actor.system(), portfolio.id, day)  # again: nothing changes

    assert _recorded(session) == first
    assert {first[a.id] for a in low} == {("firme", "low", "random")}
    assert {first[a.id] for a in high} == {("suave", "high", "random")}
    # No variant is for unscored accounts: they may get either, recorded without a band.
    assert {first[a.id][1] for a in unscored} == {None}
    assert {first[a.id][0] for a in unscored} == {"firme", "suave"}


def test_the_bandit_learns_per_band(session: Session) -> None:
    portfolio = _portfolio(session)
    experiment = _experiment(session, portfolio, min_outcomes=20)
    day = today_in(portfolio.timezone)
    earlier = day - timedelta(days=10)
    # High-band payers answer "a", low-band payers "b" (3 of 4 against 1 of 4).
    paying = {("high", "a"): 15, ("high", "b"): 5, ("low", "a"): 5, ("low", "b"): 15}
    for (band, key), payers in paying.items():
        for i, account in enumerate(_accounts(session, portfolio, 20, earlier)):
            session.add(
                ExperimentAssignment(
                    experiment_id=experiment.id,
                    account_id=account.id,
                    variant=key,
                    method="random",
                    band=band,
                    assigned_on=earlier,
                    matures_on=earlier + timedelta(days=7),
                )
            )
            if i < payers:
                b.ledger_entry(session, account, EntryKind.payment, 1_000, effective_date=earlier)
    high, low, unscored = (_accounts(session, portfolio, 30, day) for _ in range(3))
    for account in high:
        _score(session, account, 0.7, "high")
    for account in low:
        _score(session, account, 0.1, "low")
    strategy_id = session.execute(select(Strategy.id)).scalar_one()

    planned = [(strategy_id, "mora7", a.id) for a in high + low + unscored]
    assert service.assign_planned(session, portfolio.id, planned, day) == 90
    found = _recorded(session)

    assert {found[a.id][2] for a in high + low} == {"thompson"}
    assert sum(found[a.id][0] == "a" for a in high) >= 27
    assert sum(found[a.id][0] == "b" for a in low) >= 27
    # No outcomes yet for unscored accounts: still at random.
    assert {found[a.id][1:] for a in unscored} == {(None, "random")}
