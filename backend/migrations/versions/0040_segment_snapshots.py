"""The aging and roll snapshots record each account's segment, so the segment filter narrows
aging, roll and cure rates

A nullable ``segment`` (None: the account had no segment) on ``aging_snapshots`` and
``roll_snapshots``, one more grouping column of their rows. Rows written before carry None: a
segment filter finds nothing in them and the unfiltered figures stay as they were;
``backend.analytics.tasks.snapshot_days`` rewrites a history with today's segments. Plain
``ADD``/``DROP COLUMN`` on SQLite too: no table is rebuilt (``ledger_entries`` keeps its view).

Revision ID: 0040_segment_snapshots
Revises: 0039_encryption
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040_segment_snapshots"
down_revision: str | None = "0039_encryption"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("aging_snapshots", "roll_snapshots")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("segment", sa.String(40), nullable=True))


def downgrade() -> None:
    # Readers sum the rows of a key, so the rows split by segment still add up without it.
    for table in TABLES:
        op.drop_column(table, "segment")
