"""Champion/challenger experiments on strategy steps: create, results, promote (staff)."""

from __future__ import annotations

from backend.auth.deps import SessionDep, Staff, actor_of
from backend.core.clock import today_in
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownPortfolio
from backend.creditors.service import get_portfolio
from backend.experiments import service
from backend.experiments.guards import KnownExperiment
from shared.schemas.experiments import ExperimentCreate, ExperimentRead, Promotion

router = DomainRouter(tags=["experiments"])


@router.post(
    "/portfolios/{portfolio_id}/experiments", response_model=ExperimentRead, status_code=201
)
def create_experiment(
    session: SessionDep, user: Staff, portfolio: KnownPortfolio, body: ExperimentCreate
) -> ExperimentRead:
    """Variants of a step's template (one experiment per step: 409 ``experiment_exists``);
    422 ``invalid_experiment`` for an unknown strategy, step or template."""
    experiment = service.create(session, actor_of(user), portfolio, body)
    return service.read(session, experiment, today_in(portfolio.timezone))


@router.get("/portfolios/{portfolio_id}/experiments", response_model=list[ExperimentRead])
def list_experiments(
    session: SessionDep, _: Staff, portfolio: KnownPortfolio
) -> list[ExperimentRead]:
    """The portfolio's experiments, newest first, each with its results (one per strategy
    step, so a short list: not paginated)."""
    return service.read_all(session, portfolio, today_in(portfolio.timezone))


@router.get("/experiments/{experiment_id}", response_model=ExperimentRead)
def get_experiment(session: SessionDep, _: Staff, experiment: KnownExperiment) -> ExperimentRead:
    """Each variant's accounts, outcomes (paid within 7 days), money recovered and the
    probability that it is the best."""
    timezone = get_portfolio(session, experiment.portfolio_id).timezone
    return service.read(session, experiment, today_in(timezone))


@router.post("/experiments/{experiment_id}/promote", response_model=ExperimentRead)
def promote_experiment(
    session: SessionDep, user: Staff, experiment: KnownExperiment, body: Promotion
) -> ExperimentRead:
    """Make ``variant`` the template every account gets from now on (audited)."""
    service.promote(session, actor_of(user), experiment, body.variant)
    timezone = get_portfolio(session, experiment.portfolio_id).timezone
    return service.read(session, experiment, today_in(timezone))
