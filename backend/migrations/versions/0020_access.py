"""Access: who created a debtor (their only viewer until it has an account)

Revision ID: 0020_access
Revises: 0017_plans_by_account
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_access"
down_revision: str | None = "0017_plans_by_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            "fk_debtors_created_by_id_users", "users", ["created_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.drop_constraint("fk_debtors_created_by_id_users", type_="foreignkey")
        batch_op.drop_column("created_by_id")
