"""Agents' shifts and the team plan's stops

A field day is planned inside the agent's shift (start place, hours, travel mode, minutes per
visit); a supervisor's plan for a day stores each agent's stops, one per debtor and day.

Revision ID: 0023_shifts
Revises: 0022_privacy
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0023_shifts"
down_revision: str | None = "0022_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_shifts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False, unique=True),
        sa.Column("start_latitude", sa.Float(), nullable=True),
        sa.Column("start_longitude", sa.Float(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("visit_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "planned_stops",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("account_ids", sa.JSON(), nullable=False),
        sa.Column("eta", UTCDateTime(), nullable=False),
        sa.Column("leg_m", sa.Integer(), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("planned_by_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("planned_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("day", "debtor_id", name="uq_planned_stop_debtor"),
        sa.UniqueConstraint("day", "agent_id", "position", name="uq_planned_stop_position"),
    )


def downgrade() -> None:
    op.drop_table("planned_stops")
    op.drop_table("agent_shifts")
