"""An index of plans by account and status

Booking a payment looks up the account's active plan (``plans.account_id = ? AND status =
'active'``). Without statistics SQLite answered it from the status index, reading every active
plan of the database for each payment; with both columns it reads the account's plans.

Revision ID: 0017_plans_by_account
Revises: 0016_daily_check_indexes
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_plans_by_account"
down_revision: str | None = "0016_daily_check_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index("ix_plans_account_status", ["account_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("ix_plans_account_status")
