"""Agents' skips and reorders of their day's stops

A field agent may skip a stop or move it in the day's order, with a reason; each change is one
row, kept under the device's client id so that the outbox can replay it.

Revision ID: 0031_stop_events
Revises: 0030_analytics
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0031_stop_events"
down_revision: str | None = "0030_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stop_events",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("after_debtor_id", sa.Uuid(), sa.ForeignKey("debtors.id"), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_stop_events_agent_day", "stop_events", ["agent_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_stop_events_agent_day", table_name="stop_events")
    op.drop_table("stop_events")
