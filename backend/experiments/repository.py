"""Every query of experiments."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from backend.experiments.models import Experiment, ExperimentAssignment
from backend.ledger.models import LedgerEntry
from backend.outbound.models import Strategy
from backend.scoring.models import AccountScore
from shared.schemas.enums import EntryKind


def of_step(
    session: Session, portfolio_id: uuid.UUID, strategy: str, step: str
) -> Experiment | None:
    return session.execute(
        select(Experiment).where(
            Experiment.portfolio_id == portfolio_id,
            Experiment.strategy == strategy,
            Experiment.step == step,
        )
    ).scalar_one_or_none()


def of_portfolio(session: Session, portfolio_id: uuid.UUID) -> list[Experiment]:
    """The portfolio's experiments, newest first (one per strategy step at most)."""
    return list(
        session.execute(
            select(Experiment)
            .where(Experiment.portfolio_id == portfolio_id)
            .order_by(col(Experiment.created_at).desc(), col(Experiment.id).desc())
        ).scalars()
    )


def running(session: Session, portfolio_id: uuid.UUID) -> list[Experiment]:
    return list(
        session.execute(
            select(Experiment).where(
                Experiment.portfolio_id == portfolio_id, Experiment.status == "running"
            )
        ).scalars()
    )


def strategy_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(Strategy.id, Strategy.name).where(col(Strategy.id).in_(ids)))
    return dict(rows.all())


def insert_assignments(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert, leaving alone the pairs another planner recorded first."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ExperimentAssignment.__table__).values(rows)
    session.execute(
        statement.on_conflict_do_nothing(index_elements=["experiment_id", "account_id"])
    )


def assigned(
    session: Session, experiment_id: uuid.UUID, account_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, str]:
    query = select(ExperimentAssignment.account_id, ExperimentAssignment.variant).where(
        ExperimentAssignment.experiment_id == experiment_id
    )
    if account_ids is not None:
        query = query.where(col(ExperimentAssignment.account_id).in_(account_ids))
    return dict(session.execute(query).all())


Tally = tuple[int, int, int, int]  # assigned, matured, matured that paid, money paid


def tallies(session: Session, experiment_id: uuid.UUID, today: date) -> dict[str, Tally]:
    """Per variant: assigned, matured, matured that paid within 7 days, money paid within 7
    days of assignment (one query, a correlated sum per assignment)."""
    rows = session.execute(_tally(experiment_id, today, ExperimentAssignment.variant))
    return {variant: _counts(n, m, p, money) for variant, n, m, p, money in rows}


def band_tallies(
    session: Session, experiment_id: uuid.UUID, today: date
) -> dict[tuple[str | None, str], Tally]:
    """The same per (band at assignment, variant): what the bandit learns from."""
    a = ExperimentAssignment
    rows = session.execute(_tally(experiment_id, today, a.band, a.variant))
    return {(band, variant): _counts(n, m, p, money) for band, variant, n, m, p, money in rows}


def _counts(n: Any, m: Any, p: Any, money: Any) -> Tally:
    return int(n), int(m or 0), int(p or 0), int(money or 0)


def _tally(experiment_id: uuid.UUID, today: date, *group: Any) -> Any:
    a = ExperimentAssignment
    reversal = aliased(LedgerEntry)
    window = and_(
        LedgerEntry.account_id == a.account_id,
        LedgerEntry.kind == EntryKind.payment,
        LedgerEntry.effective_date >= a.assigned_on,
        LedgerEntry.effective_date < a.matures_on,
        # A payment reversed since (a bounced transfer, a mistaken post) recovered nothing.
        ~exists().where(reversal.reverses_entry_id == LedgerEntry.id),
    )
    paid = (
        select(func.coalesce(-func.sum(LedgerEntry.amount_minor), 0))
        .where(window)
        .scalar_subquery()
    )
    matured = a.matures_on <= today
    return (
        select(
            *group,
            func.count(),
            func.sum(case((matured, 1), else_=0)),
            func.sum(case((and_(matured, paid > 0), 1), else_=0)),
            func.sum(paid),
        )
        .where(a.experiment_id == experiment_id)
        .group_by(*group)
    )


def bands_of(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The accounts' current propensity bands (an account without a score is left out)."""
    rows = session.execute(
        select(AccountScore.account_id, AccountScore.band).where(
            col(AccountScore.account_id).in_(account_ids)
        )
    )
    return {account_id: band for account_id, band in rows}
