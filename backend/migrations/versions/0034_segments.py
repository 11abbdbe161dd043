"""Segments: each portfolio's ordered rules and each account's segment with the rule that put it
there

Revision ID: 0034_segments
Revises: 0033_visit_photos
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0034_segments"
down_revision: str | None = "0033_visit_photos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segment_rules",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("segment", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("portfolio_id", "position", name="uq_segment_rule_position"),
    )
    op.create_index("ix_segment_rules_portfolio_id", "segment_rules", ["portfolio_id"])
    op.create_table(
        "account_segments",
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("segment", sa.String(40), nullable=True),
        sa.Column("rule_id", sa.Uuid(), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("evaluated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_account_segments_portfolio_id", "account_segments", ["portfolio_id"])


def downgrade() -> None:
    op.drop_table("account_segments")
    op.drop_table("segment_rules")
