"""Experiments on a strategy step's template: create (staff, audited), split accounts as the
planner plans them, read the results, promote a winner (staff, audited).

Assignment: when the planner logs a step's contact for an account, the account gets a variant
of the step's running experiment, once, among the variants for its propensity band (a variant
may target bands; one that does not is for every account): at random (a hash of the experiment
and account ids, so the same on any machine and any run) until each of those variants has
``min_outcomes`` matured outcomes (7 days after assignment) among accounts of the same band,
then by Thompson sampling over that band's Beta posteriors of "paid within 7 days", seeded by
the same hash. The band is recorded with the assignment. The pair is unique: concurrent
planners insert with ON CONFLICT DO NOTHING and the first recorded variant is the account's for
good.
Sending renders the assigned variant's template; after promotion, the winner's for everyone.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.errors import Conflict, ValidationFailed
from backend.core.ids import uuid7
from backend.creditors.models import Portfolio
from backend.experiments import bandit, repository
from backend.experiments.models import Experiment
from backend.outbound import repository as outbound
from shared.schemas.experiments import (
    ExperimentCreate,
    ExperimentRead,
    Variant,
    VariantResult,
)
from shared.schemas.outbound import StrategyDefinition

OUTCOME_DAYS = 7


class ExperimentExists(Conflict):
    code = "experiment_exists"


class InvalidExperiment(ValidationFailed):
    code = "invalid_experiment"


class AlreadyPromoted(Conflict):
    code = "experiment_promoted"


def create(
    session: Session, actor: Actor, portfolio: Portfolio, body: ExperimentCreate
) -> Experiment:
    _check(session, portfolio, body)
    if repository.of_step(session, portfolio.id, body.strategy, body.step) is not None:
        raise ExperimentExists()
    experiment = Experiment(
        portfolio_id=portfolio.id,
        strategy=body.strategy,
        step=body.step,
        variants=[v.model_dump() for v in body.variants],
        min_outcomes=body.min_outcomes,
        created_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(experiment)
            session.flush()
    except IntegrityError as exc:  # a concurrent request created it first
        raise ExperimentExists() from exc
    audit.record(
        session,
        actor,
        "experiment.created",
        "experiment",
        experiment.id,
        after={"strategy": body.strategy, "step": body.step, "variants": experiment.variants},
    )
    return experiment


def _check(session: Session, portfolio: Portfolio, body: ExperimentCreate) -> None:
    strategy = next(
        (s for s in outbound.latest_strategies(session, portfolio.id) if s.name == body.strategy),
        None,
    )
    if strategy is None:
        raise InvalidExperiment(reason=f"no strategy {body.strategy}")
    steps = {s.id for s in StrategyDefinition.model_validate(strategy.definition).steps}
    if body.step not in steps:
        raise InvalidExperiment(reason=f"the strategy has no step {body.step}")
    names = outbound.template_names(session, portfolio.id)
    missing = sorted({v.template for v in body.variants} - names)
    if missing:
        raise InvalidExperiment(reason=f"unknown templates: {', '.join(missing)}")


def promote(session: Session, actor: Actor, experiment: Experiment, variant: str) -> Experiment:
    if experiment.status == "promoted":
        raise AlreadyPromoted()
    if variant not in {v["key"] for v in experiment.variants}:
        raise InvalidExperiment(reason=f"no variant {variant}")
    experiment.status = "promoted"
    experiment.winner = variant
    experiment.promoted_at = utcnow()
    session.add(experiment)
    session.flush()
    audit.record(
        session,
        actor,
        "experiment.promoted",
        "experiment",
        experiment.id,
        before={"status": "running"},
        after={"status": "promoted", "winner": variant},
    )
    return experiment


def read_all(session: Session, portfolio: Portfolio, today: date) -> list[ExperimentRead]:
    """Every experiment of the portfolio with its results (the dashboard's panel)."""
    return [read(session, e, today) for e in repository.of_portfolio(session, portfolio.id)]


def read(session: Session, experiment: Experiment, today: date) -> ExperimentRead:
    tallies = repository.tallies(session, experiment.id, today)
    variants = [Variant.model_validate(v) for v in experiment.variants]
    counts = [tallies.get(v.key, (0, 0, 0, 0)) for v in variants]
    best = bandit.probability_best([(m, p) for _, m, p, _ in counts])
    return ExperimentRead(
        id=experiment.id,
        portfolio_id=experiment.portfolio_id,
        strategy=experiment.strategy,
        step=experiment.step,
        variants=variants,
        min_outcomes=experiment.min_outcomes,
        status=experiment.status,  # type: ignore[arg-type]
        winner=experiment.winner,
        assignment="thompson" if _learned(experiment, counts) else "random",
        results=[
            VariantResult(
                key=v.key,
                template=v.template,
                assigned=n,
                matured=m,
                paid=p,
                paid_rate=p / m if m else None,
                recovered_minor=money,
                probability_best=chance,
            )
            for v, (n, m, p, money), chance in zip(variants, counts, best, strict=True)
        ],
        created_at=experiment.created_at,
        promoted_at=experiment.promoted_at,
    )


def _learned(experiment: Experiment, counts: list[tuple[int, int, int, int]]) -> bool:
    return all(m >= experiment.min_outcomes for _, m, _, _ in counts)


def _eligible(variants: list[Variant], band: str | None) -> list[int]:
    """The variants an account of ``band`` may get: those for its band or for every band; all
    of them when none is (an unscored account, variants that all target bands)."""
    found = [i for i, v in enumerate(variants) if v.bands is None or band in v.bands]
    return found or list(range(len(variants)))


def assign_planned(
    session: Session,
    portfolio_id: uuid.UUID,
    planned: list[tuple[uuid.UUID, str, uuid.UUID]],
    today: date,
) -> int:
    """Give each planned (strategy version, step, account) its variant of the step's running
    experiment, if it has none yet; the number of new assignments."""
    experiments = repository.running(session, portfolio_id)
    if not experiments or not planned:
        return 0
    names = repository.strategy_names(session, {strategy_id for strategy_id, _, _ in planned})
    by_step = {(e.strategy, e.step): e for e in experiments}
    added = 0
    for experiment in experiments:
        accounts = sorted(
            {
                account_id
                for strategy_id, step, account_id in planned
                if by_step.get((names.get(strategy_id, ""), step)) is experiment
            }
        )
        if not accounts:
            continue
        known = repository.assigned(session, experiment.id, accounts)
        fresh = [a for a in accounts if a not in known]
        if not fresh:
            continue
        variants = [Variant.model_validate(v) for v in experiment.variants]
        tallies = repository.band_tallies(session, experiment.id, today)
        bands = repository.bands_of(session, fresh)
        rows = []
        for account_id in fresh:
            band = bands.get(account_id)
            eligible = _eligible(variants, band)
            counts = [tallies.get((band, variants[i].key), (0, 0, 0, 0)) for i in eligible]
            learned = _learned(experiment, counts)
            pick = (
                bandit.thompson(experiment.id, account_id, [(m, p) for _, m, p, _ in counts])
                if learned
                else bandit.at_random(experiment.id, account_id, len(eligible))
            )
            rows.append(
                {
                    "id": uuid7(),
                    "experiment_id": experiment.id,
                    "account_id": account_id,
                    "variant": variants[eligible[pick]].key,
                    "method": "thompson" if learned else "random",
                    "band": band,
                    "assigned_on": today,
                    "matures_on": today + timedelta(days=OUTCOME_DAYS),
                    "assigned_at": utcnow(),
                }
            )
        repository.insert_assignments(session, rows)
        added += len(rows)
    return added


def template_name(
    session: Session,
    portfolio_id: uuid.UUID,
    strategy_id: uuid.UUID,
    step: str,
    account_id: uuid.UUID,
    default: str,
) -> str:
    """The template a step's contact renders: the promoted winner's, else the account's
    assigned variant's, else the step's own."""
    name = repository.strategy_names(session, {strategy_id}).get(strategy_id)
    experiment = repository.of_step(session, portfolio_id, name, step) if name else None
    if experiment is None:
        return default
    templates = {v["key"]: v["template"] for v in experiment.variants}
    if experiment.status == "promoted" and experiment.winner:
        return templates[experiment.winner]
    variant = repository.assigned(session, experiment.id, [account_id]).get(account_id)
    return templates.get(variant, default) if variant else default
