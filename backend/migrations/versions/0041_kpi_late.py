"""Daily KPI facts notice late changes: when each portfolio's facts were last written, when a
contact attempt last changed, and the indexes that find what landed since

``kpi_daily_marks.written_at`` is unknown (NULL) for facts written before this revision: the
next run rewrites their whole history once. ``contact_attempts.updated_at`` starts as the
attempt's ``created_at``.

Revision ID: 0041_kpi_late
Revises: 0040_segment_snapshots
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0041_kpi_late"
down_revision: str | None = "0040_segment_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_ledger_entries_created_at", "ledger_entries", "created_at"),
    ("ix_visits_received_at", "visits", "received_at"),
    ("ix_location_pings_received_at", "location_pings", "received_at"),
    ("ix_contact_attempts_updated_at", "contact_attempts", "updated_at"),
)


def upgrade() -> None:
    op.add_column("kpi_daily_marks", sa.Column("written_at", UTCDateTime(), nullable=True))
    # SQLite adds a NOT NULL column only with a constant default; every row gets its own below.
    op.add_column(
        "contact_attempts",
        sa.Column(
            "updated_at",
            UTCDateTime(),
            nullable=False,
            server_default=sa.text("'1970-01-01 00:00:00.000000'"),
        ),
    )
    op.execute("UPDATE contact_attempts SET updated_at = created_at")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("contact_attempts", "updated_at", server_default=None)
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("contact_attempts") as batch:
        batch.drop_column("updated_at")
    op.drop_column("kpi_daily_marks", "written_at")
