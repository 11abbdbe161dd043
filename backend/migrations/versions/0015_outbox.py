"""The development outbox: messages of channels with no provider configured

Revision ID: 0015_outbox
Revises: 0014_strategies
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0015_outbox"
down_revision: str | None = "0014_strategies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("attempt_id", sa.Uuid(), sa.ForeignKey("contact_attempts.id"), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("whatsapp_template", sa.String(120), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("attempt_id"),
    )
    op.create_index("ix_outbox_messages_portfolio_id", "outbox_messages", ["portfolio_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_portfolio_id", table_name="outbox_messages")
    op.drop_table("outbox_messages")
