"""Personal data: the read log, and when a debtor's personal data was erased

The read log is append-only like the ledger and the audit log: the database refuses UPDATE,
DELETE, TRUNCATE (PostgreSQL) and SQLite's INSERT OR REPLACE on it.

Revision ID: 0022_privacy
Revises: 0021_disputes
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0022_privacy"
down_revision: str | None = "0021_disputes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READS = "personal_data_reads"


def upgrade() -> None:
    op.create_table(
        "personal_data_reads",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("debtor_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
    )
    op.create_index("ix_personal_data_reads_debtor", "personal_data_reads", ["debtor_id", "at"])
    op.create_index("ix_personal_data_reads_actor_id", "personal_data_reads", ["actor_id"])
    op.add_column("debtors", sa.Column("erased_at", UTCDateTime(), nullable=True))
    _append_only(READS)


def _append_only(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":
        # cobro_append_only() is 0001_initial's: it raises "append-only table <name>".
        for when, each in (("UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
            name = "append_only" if each == "ROW" else "no_truncate"
            op.execute(
                f"CREATE TRIGGER {table}_{name} BEFORE {when} ON {table} "
                f"FOR EACH {each} EXECUTE FUNCTION cobro_append_only()"
            )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}'); END"
        )
    taken = f"SELECT 1 FROM {table} WHERE id = NEW.id"  # noqa: S608 (constants only)
    op.execute(
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN EXISTS ({taken}) "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: key already taken'); END"
    )


def downgrade() -> None:
    op.drop_column("debtors", "erased_at")  # in place: a rebuild could not drop debtors
    if op.get_context().dialect.name == "postgresql":
        for name in ("append_only", "no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {READS}_{name} ON {READS}")
    else:
        for name in ("no_update", "no_delete", "no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {READS}_{name}")
    op.drop_index("ix_personal_data_reads_actor_id", table_name="personal_data_reads")
    op.drop_index("ix_personal_data_reads_debtor", table_name="personal_data_reads")
    op.drop_table("personal_data_reads")
