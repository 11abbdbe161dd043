"""Daily KPI facts for the cohorts (accounts placed, payments collected per month received)
and the promises, and the indexes that find the accounts, payments and promises of the recent
days and the promises resolved late

The marks are dropped: the job's next run writes every portfolio's whole history again,
the new facts with it; until then the dashboard reads the raw rows.

Revision ID: 0042_kpi_cohorts
Revises: 0041_kpi_late
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042_kpi_cohorts"
down_revision: str | None = "0041_kpi_late"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_accounts_created_at", "accounts", "created_at"),
    ("ix_payments_paid_on", "payments", "paid_on"),
    ("ix_promises_created_at", "promises", "created_at"),
    ("ix_promises_resolved_at", "promises", "resolved_at"),
)


def _base() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "kpi_cohort_days",
        *_base(),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "portfolio_id", "day", "agent_id", "currency", name="uq_kpi_cohort_days"
        ),
    )
    op.create_table(
        "kpi_cohort_payments",
        *_base(),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "portfolio_id", "day", "agent_id", "currency", "month", name="uq_kpi_cohort_payments"
        ),
    )
    op.create_table(
        "kpi_promise_days",
        *_base(),
        sa.Column("recorder_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("promises", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("received_minor", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "portfolio_id",
            "day",
            "agent_id",
            "recorder_id",
            "currency",
            "status",
            name="uq_kpi_promise_days",
        ),
    )
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])
    op.execute("DELETE FROM kpi_daily_marks")


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("kpi_promise_days")
    op.drop_table("kpi_cohort_payments")
    op.drop_table("kpi_cohort_days")
