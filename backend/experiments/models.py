from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, id_field, json_field


class Experiment(SQLModel, table=True):
    """Variants (``[{"key", "template"}]``) of one step of a portfolio's strategy (by name, so
    it outlives the strategy's versions). Promoted: every account gets the winner's template."""

    __tablename__ = "experiments"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "strategy", "step", name="uq_experiment_step"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    strategy: str = Field(max_length=60)
    step: str = Field(max_length=40)
    variants: list[dict[str, Any]] = json_field(list)
    min_outcomes: int = 30
    status: str = Field(default="running", max_length=20)
    winner: str | None = Field(default=None, max_length=20)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()
    promoted_at: datetime | None = datetime_field()


class ExperimentAssignment(SQLModel, table=True):
    """The variant an account got in an experiment, once and for good (the unique pair lets
    concurrent planners agree: the first insert wins, the others read it)."""

    __tablename__ = "experiment_assignments"
    __table_args__ = (
        UniqueConstraint("experiment_id", "account_id", name="uq_experiment_assignment"),
    )

    id: uuid.UUID = id_field()
    experiment_id: uuid.UUID = Field(foreign_key="experiments.id", index=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    variant: str = Field(max_length=20)
    method: str = Field(max_length=20)  # random | thompson
    # The account's propensity band then (high | medium | low; None: not scored): the bandit
    # learns per band.
    band: str | None = Field(default=None, max_length=10)
    assigned_on: date
    matures_on: date  # the outcome: paid from assigned_on to the day before this
    assigned_at: datetime = created_at_field()
