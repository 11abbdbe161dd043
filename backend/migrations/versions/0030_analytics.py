"""Daily aging and monthly roll snapshots for the KPI dashboard

Revision ID: 0030_analytics
Revises: 0029_ledger_postings
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0030_analytics"
down_revision: str | None = "0029_ledger_postings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aging_snapshots",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("bucket", sa.String(10), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_aging_snapshots_portfolio_day", "aging_snapshots", ["portfolio_id", "day"])
    op.create_table(
        "roll_snapshots",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("from_bucket", sa.String(10), nullable=False),
        sa.Column("to_bucket", sa.String(10), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_roll_snapshots_portfolio_month", "roll_snapshots", ["portfolio_id", "month"]
    )


def downgrade() -> None:
    op.drop_index("ix_roll_snapshots_portfolio_month", table_name="roll_snapshots")
    op.drop_table("roll_snapshots")
    op.drop_index("ix_aging_snapshots_portfolio_day", table_name="aging_snapshots")
    op.drop_table("aging_snapshots")
