"""Reminder strategies per portfolio, versioned

Revision ID: 0014_strategies
Revises: 0013_message_templates
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0014_strategies"
down_revision: str | None = "0013_message_templates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strategies",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("portfolio_id", "name", "version", name="uq_strategy_version"),
    )
    op.create_index("ix_strategies_portfolio_id", "strategies", ["portfolio_id"])


def downgrade() -> None:
    op.drop_index("ix_strategies_portfolio_id", table_name="strategies")
    op.drop_table("strategies")
