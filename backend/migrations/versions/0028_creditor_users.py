"""Creditors' own users: a bank's staff see only their creditor's portfolios

``users.creditor_id``: the creditor of a user with role ``creditor`` or ``creditor_admin``.
``users.can_write``: whether such a user may change their accounts, or only read them.

Revision ID: 0028_creditor_users
Revises: 0027_bots
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_creditor_users"
down_revision: str | None = "0027_bots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place on both databases (no batch rebuild of a table every other table points at):
    # SQLite takes a reference only inline, in its ADD COLUMN.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users ADD COLUMN creditor_id CHAR(32) REFERENCES creditors (id)")
    else:
        op.add_column("users", sa.Column("creditor_id", sa.Uuid(), nullable=True))
        op.create_foreign_key("fk_users_creditor", "users", "creditors", ["creditor_id"], ["id"])
    op.add_column(
        "users", sa.Column("can_write", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_index("ix_users_creditor_id", "users", ["creditor_id"])


def downgrade() -> None:
    op.drop_index("ix_users_creditor_id", table_name="users")
    op.drop_column("users", "can_write")
    op.drop_column("users", "creditor_id")
