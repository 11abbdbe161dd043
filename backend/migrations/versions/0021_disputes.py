"""Disputes, the notices that tell debtors how they ended, paid-in-full certificates, and each
portfolio's dispute review window

Revision ID: 0021_disputes
Revises: 0020_send_handoff
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0021_disputes"
down_revision: str | None = "0020_send_handoff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.add_column(
        "portfolios",
        sa.Column("dispute_review_days", sa.Integer(), nullable=False, server_default="15"),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("statement", sa.String(2000), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("previous_status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("opened_by_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("client_key", sa.String(120), nullable=True),
        sa.Column("task_id", sa.Uuid(), sa.ForeignKey("tasks.id"), nullable=True),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("resolution_note", sa.String(1000), nullable=True),
        sa.Column("adjustment_minor", sa.BigInteger(), nullable=True),
        sa.Column(
            "adjustment_entry_id", sa.Uuid(), sa.ForeignKey("ledger_entries.id"), nullable=True
        ),
        sa.UniqueConstraint("client_key"),
    )
    op.create_index("ix_disputes_account_id", "disputes", ["account_id"])
    op.create_index("ix_disputes_debtor_id", "disputes", ["debtor_id"])
    op.create_index("ix_disputes_status_id", "disputes", ["status", "id"])
    op.create_index(
        "uq_disputes_open_account",
        "disputes",
        ["account_id"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.create_table(
        "debtor_notices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("dispute_id", sa.Uuid(), sa.ForeignKey("disputes.id"), nullable=True),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("shown_at", UTCDateTime(), nullable=True),
        sa.Column("shown_channel", sa.String(20), nullable=True),
        sa.UniqueConstraint("dispute_id", "kind", name="uq_debtor_notice_dispute_kind"),
    )
    op.create_index("ix_debtor_notices_account_id", "debtor_notices", ["account_id"])
    op.create_index("ix_debtor_notices_pending", "debtor_notices", ["debtor_id", "shown_at"])
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("debits_minor", sa.BigInteger(), nullable=False),
        sa.Column("issued_by_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("account_id", "debits_minor", name="uq_certificate_account_debits"),
    )
    op.create_index("ix_certificates_account_id", "certificates", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_certificates_account_id", table_name="certificates")
    op.drop_table("certificates")
    op.drop_index("ix_debtor_notices_pending", table_name="debtor_notices")
    op.drop_index("ix_debtor_notices_account_id", table_name="debtor_notices")
    op.drop_table("debtor_notices")
    op.drop_index("uq_disputes_open_account", table_name="disputes")
    op.drop_index("ix_disputes_status_id", table_name="disputes")
    op.drop_index("ix_disputes_debtor_id", table_name="disputes")
    op.drop_index("ix_disputes_account_id", table_name="disputes")
    op.drop_table("disputes")
    op.drop_column("portfolios", "dispute_review_days")
