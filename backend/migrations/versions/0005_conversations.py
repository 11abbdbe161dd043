"""conversations

Revision ID: 0005_conversations
Revises: 0004_statements
Create Date: 2026-11-25 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.core.db

revision: str = "0005_conversations"
down_revision: str | None = "0004_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("debtor_ids", sa.JSON(), nullable=False),
        sa.Column("bound_until", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("bound_via", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("opted_out_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "user_id", name="uq_conversation_chat"),
    )

    op.create_table(
        "bot_inbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("received_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "user_id", "message_id", name="uq_bot_inbox_message"),
    )

    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verification_failures_chat", ["channel", "user_id", "at"], unique=False
        )
        batch_op.create_index("ix_verification_failures_id_key", ["id_key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_failures_id_key")
        batch_op.drop_index("ix_verification_failures_chat")

    op.drop_table("verification_failures")
    op.drop_table("bot_inbox")
    op.drop_table("conversations")
