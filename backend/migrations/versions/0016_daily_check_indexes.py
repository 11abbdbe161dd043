"""Partial indexes the daily checks page through: open promises and active plans by id

Revision ID: 0016_daily_check_indexes
Revises: 0015_outbox
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_daily_check_indexes"
down_revision: str | None = "0015_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_promises_open_id",
        "promises",
        ["id"],
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_plans_active_id",
        "plans",
        ["id"],
        postgresql_where=sa.text("status = 'active'"),
        sqlite_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("ix_plans_active_id", table_name="plans")
    op.drop_index("ix_promises_open_id", table_name="promises")
