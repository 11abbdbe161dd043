"""Access: who created a debtor through the API (their only viewer until it has an account);
negotiation policy ceilings per portfolio and the policy changes waiting for an admin

Revision ID: 0025_access
Revises: 0024_sessions
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.core.db

revision: str = "0025_access"
down_revision: str | None = "0024_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "debtor_creators",
        sa.Column("debtor_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtors.id"]),
        sa.PrimaryKeyConstraint("debtor_id"),
    )
    with op.batch_alter_table("debtor_creators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_debtor_creators_created_by_id"), ["created_by_id"], unique=False
        )
    op.create_table(
        "policy_ceilings",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("ceilings", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["portfolio_id"], ["portfolios.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("portfolio_id"),
    )
    op.create_table(
        "policy_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="policychangestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=False),
        sa.Column("exceeded", sa.JSON(), nullable=False),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("requested_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["portfolio_id"], ["portfolios.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_policy_changes_portfolio_status", ["portfolio_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_policy_changes_requested_by_id"), ["requested_by_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("policy_changes")
    op.drop_table("policy_ceilings")
    op.drop_table("debtor_creators")
