"""Single-use chat links and debtors' linked chats

``chat_link_redemptions``: the first chat that used a chat link, unique per link (the digest of
its signed body), so a link forwarded to someone else verifies nobody else.
``debtor_chats``: the chat a debtor verified on a channel that reaches people only through a chat
they started (Telegram), one per debtor and channel: where Telegram reminders go.

Revision ID: 0018_chat_links
Revises: 0017_plans_by_account
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0018_chat_links"
down_revision: str | None = "0017_plans_by_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_link_redemptions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("digest", name="uq_chat_link_redemption"),
    )
    op.create_index("ix_chat_link_redemptions_expires_at", "chat_link_redemptions", ["expires_at"])
    op.create_table(
        "debtor_chats",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("debtor_id", "channel", name="uq_debtor_chat"),
    )
    op.create_index("ix_debtor_chats_chat", "debtor_chats", ["channel", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_debtor_chats_chat", table_name="debtor_chats")
    op.drop_table("debtor_chats")
    op.drop_index("ix_chat_link_redemptions_expires_at", table_name="chat_link_redemptions")
    op.drop_table("chat_link_redemptions")
