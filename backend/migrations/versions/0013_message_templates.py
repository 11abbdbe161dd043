"""Message templates per portfolio and language

Revision ID: 0013_message_templates
Revises: 0012_contact_attempts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0013_message_templates"
down_revision: str | None = "0012_contact_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("body", sa.String(2000), nullable=False),
        sa.Column("whatsapp_name", sa.String(120), nullable=True),
        sa.Column("whatsapp_params", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("portfolio_id", "name", "language", name="uq_message_template"),
    )
    op.create_index("ix_message_templates_portfolio_id", "message_templates", ["portfolio_id"])


def downgrade() -> None:
    op.drop_index("ix_message_templates_portfolio_id", table_name="message_templates")
    op.drop_table("message_templates")
