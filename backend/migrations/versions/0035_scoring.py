"""Propensity to pay: versioned models per creditor, each account's score, and the creditor's
switch

Revision ID: 0035_scoring
Revises: 0034_segments
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0035_scoring"
down_revision: str | None = "0034_segments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch rebuild of a table others point at, on SQLite too).
    op.add_column(
        "creditors",
        sa.Column("scoring_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "propensity_models",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("creditor_id", sa.Uuid(), sa.ForeignKey("creditors.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("creditor_id", "version", name="uq_propensity_version"),
    )
    op.create_index("ix_propensity_models_creditor_id", "propensity_models", ["creditor_id"])
    op.create_table(
        "account_scores",
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("creditor_id", sa.Uuid(), sa.ForeignKey("creditors.id"), nullable=False),
        sa.Column("model_id", sa.Uuid(), sa.ForeignKey("propensity_models.id"), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(10), nullable=False),
        sa.Column("drivers", sa.JSON(), nullable=False),
        sa.Column("scored_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_account_scores_creditor_id", "account_scores", ["creditor_id"])


def downgrade() -> None:
    op.drop_table("account_scores")
    op.drop_table("propensity_models")
    op.drop_column("creditors", "scoring_enabled")
