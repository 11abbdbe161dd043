"""Daily KPI facts (payments, reminders, visits, routes) the dashboard reads for closed days

Revision ID: 0037_kpi_daily
Revises: 0036_experiments
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037_kpi_daily"
down_revision: str | None = "0036_experiments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _base() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "kpi_payment_days",
        *_base(),
        sa.Column("taker_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "portfolio_id",
            "day",
            "agent_id",
            "taker_id",
            "channel",
            "currency",
            name="uq_kpi_payment_days",
        ),
    )
    op.create_table(
        "kpi_reminder_days",
        *_base(),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("step", sa.String(100), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("sent", "delivered", "read", "replied", "paid", "opted_out")
        ),
        sa.UniqueConstraint(
            "portfolio_id", "day", "agent_id", "channel", "step", name="uq_kpi_reminder_days"
        ),
    )
    op.create_table(
        "kpi_visit_days",
        *_base(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ("visits", "far", "contacts")),
        sa.Column("stop_seconds", sa.Float(), nullable=False),
        sa.UniqueConstraint("portfolio_id", "day", "agent_id", name="uq_kpi_visit_days"),
    )
    op.create_table(
        "kpi_route_days",
        *_base(),
        *(
            sa.Column(name, sa.Float(), nullable=False)
            for name in ("metres", "first_lat", "first_lon", "last_lat", "last_lon")
        ),
        sa.UniqueConstraint("portfolio_id", "day", "agent_id", name="uq_kpi_route_days"),
    )
    op.create_table(
        "kpi_daily_marks",
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), primary_key=True),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kpi_daily_marks")
    op.drop_table("kpi_route_days")
    op.drop_table("kpi_visit_days")
    op.drop_table("kpi_reminder_days")
    op.drop_table("kpi_payment_days")
