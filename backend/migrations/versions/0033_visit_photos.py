"""Photos agents take at visits

``visit_photos``: the image (JPEG, PNG, WebP or HEIC) an agent took at a visit, stored once per
client id made on the device, with the visit's account for its scope.

Revision ID: 0033_visit_photos
Revises: 0032_import_indexes
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0033_visit_photos"
down_revision: str | None = "0032_import_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_photos",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("visit_id", sa.Uuid(), sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_visit_photos_visit_id", "visit_photos", ["visit_id"])
    op.create_index("ix_visit_photos_account_id", "visit_photos", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_visit_photos_account_id", table_name="visit_photos")
    op.drop_index("ix_visit_photos_visit_id", table_name="visit_photos")
    op.drop_table("visit_photos")
