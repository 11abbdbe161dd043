"""Champion/challenger experiments on strategy steps and each account's recorded variant

Revision ID: 0036_experiments
Revises: 0035_scoring
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0036_experiments"
down_revision: str | None = "0035_scoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("strategy", sa.String(60), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("min_outcomes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("winner", sa.String(20), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("promoted_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("portfolio_id", "strategy", "step", name="uq_experiment_step"),
    )
    op.create_index("ix_experiments_portfolio_id", "experiments", ["portfolio_id"])
    op.create_table(
        "experiment_assignments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("experiment_id", sa.Uuid(), sa.ForeignKey("experiments.id"), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("variant", sa.String(20), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("matures_on", sa.Date(), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("experiment_id", "account_id", name="uq_experiment_assignment"),
    )
    op.create_index(
        "ix_experiment_assignments_experiment_id", "experiment_assignments", ["experiment_id"]
    )
    op.create_index(
        "ix_experiment_assignments_account_id", "experiment_assignments", ["account_id"]
    )


def downgrade() -> None:
    op.drop_table("experiment_assignments")
    op.drop_table("experiments")
