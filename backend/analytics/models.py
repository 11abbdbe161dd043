"""Pre-aggregated history the dashboard reads instead of the ledger.

Both tables are rebuilt whole for one portfolio and one day (or month) by the snapshot job
(``backend.analytics.snapshots``): a rebuild is idempotent, so a retried or repeated run
changes nothing. ``agent_id`` is the account's assigned agent when the snapshot was taken, so
a supervisor's view (their team's agents) and the agent filter read them directly.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, id_field


class AgingSnapshot(SQLModel, table=True):
    """Accounts owing something at the end of ``day`` (ledger entries effective by then) and
    their balance, per portfolio, agent and aging bucket on that day."""

    __tablename__ = "aging_snapshots"
    __table_args__ = (Index("ix_aging_snapshots_portfolio_day", "portfolio_id", "day"),)

    id: uuid.UUID = id_field()
    day: date
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    bucket: str = Field(max_length=10)
    accounts: int
    balance_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = created_at_field()


class RollSnapshot(SQLModel, table=True):
    """Accounts that owed something at the end of the month before ``month`` (its first day),
    by the bucket they were in then and the state they reached at the end of ``month`` (a
    bucket, or ``paid`` when nothing was owed any more), with their balance at the start."""

    __tablename__ = "roll_snapshots"
    __table_args__ = (Index("ix_roll_snapshots_portfolio_month", "portfolio_id", "month"),)

    id: uuid.UUID = id_field()
    month: date
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    from_bucket: str = Field(max_length=10)
    to_bucket: str = Field(max_length=10)
    accounts: int
    balance_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = created_at_field()
