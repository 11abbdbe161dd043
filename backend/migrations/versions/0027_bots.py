"""Debtor chats that settle under failure, hear vouchers and confirm payments

``bot_inbox.reply`` / ``released_at``: the reply of a message whose send failed, sent again as
is when the platform redelivers the message (instead of running the turn twice).
``conversations.unreachable_at`` and ``debtor_channel_blocks``: chats the platform refused to
deliver to (the bot blocked, WhatsApp undeliverable), until the person writes again.
``payment_evidence``: payment vouchers debtors sent in chat, with a task to check each.
``payment_notices``: payment confirmations pushed to debtors' chats, one per payment.

Revision ID: 0027_bots
Revises: 0026_api_keys
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0027_bots"
down_revision: str | None = "0026_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bot_inbox") as batch:
        batch.add_column(sa.Column("reply", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("released_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("unreachable_at", UTCDateTime(), nullable=True))
    op.create_table(
        "debtor_channel_blocks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("blocked_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("debtor_id", "channel", name="uq_debtor_channel_block"),
    )
    op.create_table(
        "payment_evidence",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("caption", sa.String(1000), nullable=True),
        sa.Column("task_id", sa.Uuid(), sa.ForeignKey("tasks.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_payment_evidence_account_id", "payment_evidence", ["account_id"])
    op.create_table(
        "payment_notices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("payment_id", sa.Uuid(), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("event_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("channel", sa.String(20), nullable=True),
        sa.Column("recipient", sa.String(64), nullable=True),
        sa.Column("text", sa.String(2000), nullable=True),
        sa.Column("template", sa.String(120), nullable=True),
        sa.Column("provider_ref", sa.String(120), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("payment_id"),
    )
    op.create_index("ix_payment_notices_account_id", "payment_notices", ["account_id"])
    op.create_index("ix_payment_notices_event_at", "payment_notices", ["event_at"])
    op.create_index("ix_payment_notices_due", "payment_notices", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_payment_notices_due", table_name="payment_notices")
    op.drop_index("ix_payment_notices_event_at", table_name="payment_notices")
    op.drop_index("ix_payment_notices_account_id", table_name="payment_notices")
    op.drop_table("payment_notices")
    op.drop_index("ix_payment_evidence_account_id", table_name="payment_evidence")
    op.drop_table("payment_evidence")
    op.drop_table("debtor_channel_blocks")
    # In place: rebuilding a table others refer to fails on SQLite with rows present.
    op.drop_column("conversations", "unreachable_at")
    op.drop_column("bot_inbox", "released_at")
    op.drop_column("bot_inbox", "reply")
