"""Indexes for agents' account pages and for audit events by action and time

Revision ID: 0007_list_indexes
Revises: 0006_field
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_list_indexes"
down_revision: str | None = "0006_field"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_agent_id", ["assigned_agent_id", "id"], unique=False)
        batch_op.create_index(
            "ix_accounts_agent_status_id", ["assigned_agent_id", "status", "id"], unique=False
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_action_at", ["action", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_action_at")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_agent_status_id")
        batch_op.drop_index("ix_accounts_agent_id")
