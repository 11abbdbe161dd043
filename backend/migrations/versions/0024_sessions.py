"""Sessions: token versions, demo users, refresh tokens and login throttles

``users.token_version`` is part of every token: raising it revokes the user's tokens.
``users.is_demo`` marks the logins of ``cobro demo-data`` (refused in production); the demo
users already loaded are recognised by their ``@demo.cobro`` address.

Revision ID: 0024_sessions
Revises: 0023_shifts
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.core.db

revision: str = "0024_sessions"
down_revision: str | None = "0023_shifts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("is_demo", sa.Boolean(), nullable=False, server_default="0"))
    op.execute(
        sa.text("UPDATE users SET is_demo = :yes WHERE email LIKE '%@demo.cobro'").bindparams(
            yes=True
        )
    )

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_refresh_tokens_family", ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_tokens_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_refresh_tokens_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "login_throttles",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_throttles_last_failure_at"), ["last_failure_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_last_failure_at"))
    op.drop_table("login_throttles")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_expires_at"))
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_user_id"))
        batch_op.drop_index("ix_refresh_tokens_family")
    op.drop_table("refresh_tokens")
    # In place (SQLite 3.35+ drops a plain column): rebuilding ``users`` could not drop a
    # table that accounts, payments and the audit trail refer to.
    op.drop_column("users", "is_demo")
    op.drop_column("users", "token_version")
