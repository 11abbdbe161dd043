"""The score band an account had when an experiment assigned it a variant

Revision ID: 0038_segment_policies
Revises: 0037_kpi_daily
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038_segment_policies"
down_revision: str | None = "0037_kpi_daily"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("experiment_assignments", sa.Column("band", sa.String(10), nullable=True))


def downgrade() -> None:
    op.drop_column("experiment_assignments", "band")
