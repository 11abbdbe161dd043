"""Reminder strategies per portfolio (versioned), the accounts in them, and pauses

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
    op.create_table(
        "strategy_enrolments",
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("strategy_id", sa.Uuid(), sa.ForeignKey("strategies.id"), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_strategy_enrolments_strategy_id", "strategy_enrolments", ["strategy_id"])
    op.create_table(
        "outbound_pauses",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("paused_by_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("scope", name="uq_outbound_pause_scope"),
    )


def downgrade() -> None:
    op.drop_table("outbound_pauses")
    op.drop_index("ix_strategy_enrolments_strategy_id", table_name="strategy_enrolments")
    op.drop_table("strategy_enrolments")
    op.drop_index("ix_strategies_portfolio_id", table_name="strategies")
    op.drop_table("strategies")
