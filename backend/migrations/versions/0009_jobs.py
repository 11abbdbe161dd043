"""Background jobs: the embedded runner's queue and period markers; procrastinate on PostgreSQL

Revision ID: 0009_jobs
Revises: 0008_amount_limits
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

from backend.core.db import UTCDateTime

revision: str = "0009_jobs"
down_revision: str | None = "0008_amount_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_queue",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("queue", sa.String(40), nullable=False),
        sa.Column("lock", sa.String(200), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_job_queue_due", "job_queue", ["status", "run_at"])
    op.create_table(
        "job_periodic_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("slot", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("task", "slot", name="uq_job_periodic_run"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        exists = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar()
        if exists is None:
            # procrastinate's own schema, as `procrastinate schema --apply` would create it
            # (several statements, no parameters: sent as they are through the driver).
            bind.connection.driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    op.drop_table("job_periodic_runs")
    op.drop_index("ix_job_queue_due", table_name="job_queue")
    op.drop_table("job_queue")
