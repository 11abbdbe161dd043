"""When a reminder was handed to its provider

A worker that dies after handing a message to a provider and before recording the answer
leaves the reminder ``sending``; ``handed_at`` tells the next worker the message may be out
already (no provider here takes an idempotency key), so it is not sent again.

Revision ID: 0020_send_handoff
Revises: 0019_creditor_webhooks
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0020_send_handoff"
down_revision: str | None = "0019_creditor_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("contact_attempts", "handed_at")  # in place: outbox rows refer to the table
