"""field

Revision ID: 0006_field
Revises: 0005_conversations
Create Date: 2026-11-25 15:00:00.000000

Written by hand: visits, field notes, location pings and the sync idempotency record.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.core.db

revision: str = "0006_field"
down_revision: str | None = "0005_conversations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("checked_in_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_out_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("far", sa.Boolean(), nullable=False),
        sa.Column(
            "outcome",
            _enum(
                "visitoutcome",
                "paid",
                "promise",
                "plan_agreed",
                "not_home",
                "moved",
                "refused",
                "wrong_address",
                "other",
            ),
            nullable=False,
        ),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("photo_ref", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("next_action_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index(
        "ix_visits_account_checked_in", "visits", ["account_id", "checked_in_at"], unique=False
    )
    op.create_index(
        "ix_visits_agent_checked_in", "visits", ["agent_id", "checked_in_at"], unique=False
    )

    op.create_table(
        "field_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("recorded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index(
        "ix_field_notes_account_recorded",
        "field_notes",
        ["account_id", "recorded_at"],
        unique=False,
    )
    op.create_index(op.f("ix_field_notes_agent_id"), "field_notes", ["agent_id"], unique=False)

    op.create_table(
        "location_pings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("received_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agent_id", "recorded_at", name="uq_location_ping"),
    )

    op.create_table(
        "sync_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "type",
            _enum("syncactiontype", "visit", "promise", "payment", "location", "note"),
            nullable=False,
        ),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            _enum("syncstatus", "applied", "duplicate", "conflict", "rejected"),
            nullable=False,
        ),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("message_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index(
        op.f("ix_sync_actions_account_id"), "sync_actions", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_sync_actions_agent_id"), "sync_actions", ["agent_id"], unique=False)
    op.create_index(op.f("ix_sync_actions_entity_id"), "sync_actions", ["entity_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_actions_entity_id"), table_name="sync_actions")
    op.drop_index(op.f("ix_sync_actions_agent_id"), table_name="sync_actions")
    op.drop_index(op.f("ix_sync_actions_account_id"), table_name="sync_actions")
    op.drop_table("sync_actions")
    op.drop_table("location_pings")
    op.drop_index(op.f("ix_field_notes_agent_id"), table_name="field_notes")
    op.drop_index("ix_field_notes_account_recorded", table_name="field_notes")
    op.drop_table("field_notes")
    op.drop_index("ix_visits_agent_checked_in", table_name="visits")
    op.drop_index("ix_visits_account_checked_in", table_name="visits")
    op.drop_table("visits")
