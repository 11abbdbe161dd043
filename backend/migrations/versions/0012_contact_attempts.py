"""The contact-attempt log: every contact made, planned or held back, with its rule

Revision ID: 0012_contact_attempts
Revises: 0011_uploads
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0012_contact_attempts"
down_revision: str | None = "0011_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(40), nullable=True),
        sa.Column("until", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("strategy_id", sa.Uuid(), nullable=True),
        sa.Column("step", sa.String(40), nullable=True),
        sa.Column("provider_ref", sa.String(120), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("key", name="uq_contact_attempt_key"),
    )
    op.create_index("ix_contact_attempts_debtor_at", "contact_attempts", ["debtor_id", "at"])
    op.create_index("ix_contact_attempts_account_at", "contact_attempts", ["account_id", "at"])
    op.create_index("ix_contact_attempts_provider_ref", "contact_attempts", ["provider_ref"])
    op.create_index("ix_contact_attempts_due", "contact_attempts", ["status", "at"])
    # Visits made before the log existed are contacts the rules must count.
    op.execute(
        "INSERT INTO contact_attempts (id, key, portfolio_id, debtor_id, account_id, channel, "
        "source, at, status, outcome, created_at) "
        "SELECT v.id, 'visit:' || v.client_id, a.portfolio_id, a.debtor_id, v.account_id, "
        "'visit', 'visit', v.checked_in_at, 'done', v.outcome, v.received_at "
        "FROM visits v JOIN accounts a ON a.id = v.account_id"
    )


def downgrade() -> None:
    op.drop_index("ix_contact_attempts_due", table_name="contact_attempts")
    op.drop_index("ix_contact_attempts_provider_ref", table_name="contact_attempts")
    op.drop_index("ix_contact_attempts_account_at", table_name="contact_attempts")
    op.drop_index("ix_contact_attempts_debtor_at", table_name="contact_attempts")
    op.drop_table("contact_attempts")
