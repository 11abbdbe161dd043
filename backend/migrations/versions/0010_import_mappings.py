"""Saved import column mappings per portfolio; rejected import batches keep their report

Revision ID: 0010_import_mappings
Revises: 0009_jobs
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.core.db

revision: str = "0010_import_mappings"
down_revision: str | None = "0009_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMPLETED = sa.text("status = 'completed'")


def upgrade() -> None:
    op.create_table(
        "import_mappings",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["portfolio_id"], ["portfolios.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("portfolio_id"),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="completed",
            )
        )
        batch_op.add_column(
            sa.Column("report", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.drop_constraint("uq_import_content", type_="unique")
    # Only completed batches are unique by content: a rejected file may be sent again.
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(
            "uq_import_content",
            ["portfolio_id", "sha256"],
            unique=True,
            sqlite_where=_COMPLETED,
            postgresql_where=_COMPLETED,
        )


def downgrade() -> None:
    op.execute("DELETE FROM import_batches WHERE status <> 'completed'")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index("uq_import_content")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_import_content", ["portfolio_id", "sha256"])
        batch_op.drop_column("report")
        batch_op.drop_column("status")
    op.drop_table("import_mappings")
