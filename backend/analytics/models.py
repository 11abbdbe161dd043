"""Pre-aggregated history the dashboard reads instead of the ledger.

Both tables are rebuilt whole for one portfolio and one day (or month) by the snapshot job
(``backend.analytics.snapshots``): a rebuild is idempotent, so a retried or repeated run
changes nothing. ``agent_id`` is the account's assigned agent and ``segment`` its stored
segment (``account_segments``; None: no segment) when the snapshot was taken, so a
supervisor's view (their team's agents), the agent filter and the segment filter read them
directly, and without a segment filter the figures are the sum over segments.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, id_field


class AgingSnapshot(SQLModel, table=True):
    """Accounts owing something at the end of ``day`` (ledger entries effective by then) and
    their balance, per portfolio, agent, segment and aging bucket on that day."""

    __tablename__ = "aging_snapshots"
    __table_args__ = (Index("ix_aging_snapshots_portfolio_day", "portfolio_id", "day"),)

    id: uuid.UUID = id_field()
    day: date
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    segment: str | None = Field(default=None, max_length=40)
    bucket: str = Field(max_length=10)
    accounts: int
    balance_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = created_at_field()


class RollSnapshot(SQLModel, table=True):
    """Accounts that owed something at the end of the month before ``month`` (its first day),
    by the bucket they were in then and the state they reached at the end of ``month`` (a
    bucket, or ``paid`` when nothing was owed any more), with their balance at the start; per
    portfolio, agent and segment when written."""

    __tablename__ = "roll_snapshots"
    __table_args__ = (Index("ix_roll_snapshots_portfolio_month", "portfolio_id", "month"),)

    id: uuid.UUID = id_field()
    month: date
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    segment: str | None = Field(default=None, max_length=40)
    from_bucket: str = Field(max_length=10)
    to_bucket: str = Field(max_length=10)
    accounts: int
    balance_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = created_at_field()


# "No agent" in the daily facts' agent columns: a value, so that the unique keys hold (NULLs
# are all distinct to a unique index) and no team or agent filter ever matches it.
NO_AGENT = uuid.UUID(int=0)


class KpiPaymentDay(SQLModel, table=True):
    """Payments received (``paid_on``) on one day, not reversed when the row was written, per
    portfolio, the account's assigned agent, the agent who took them, channel and currency."""

    __tablename__ = "kpi_payment_days"
    __table_args__ = (
        UniqueConstraint(
            "portfolio_id",
            "day",
            "agent_id",
            "taker_id",
            "channel",
            "currency",
            name="uq_kpi_payment_days",
        ),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    day: date
    agent_id: uuid.UUID
    taker_id: uuid.UUID
    channel: str = Field(max_length=20)
    currency: str = Field(max_length=3)
    payments: int
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))


class KpiReminderDay(SQLModel, table=True):
    """Reminders sent on one UTC day per portfolio, the account's assigned agent, channel and
    strategy step, with what followed them within 7 days (as ``backend.analytics.team``)."""

    __tablename__ = "kpi_reminder_days"
    __table_args__ = (
        UniqueConstraint(
            "portfolio_id", "day", "agent_id", "channel", "step", name="uq_kpi_reminder_days"
        ),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    day: date
    agent_id: uuid.UUID
    channel: str = Field(max_length=20)
    step: str = Field(max_length=100)
    sent: int
    delivered: int
    read: int
    replied: int
    paid: int
    opted_out: int


class KpiVisitDay(SQLModel, table=True):
    """Visits checked in on one UTC day per portfolio (the account's) and visiting agent."""

    __tablename__ = "kpi_visit_days"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "day", "agent_id", name="uq_kpi_visit_days"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    day: date
    agent_id: uuid.UUID
    visits: int
    far: int
    contacts: int
    stop_seconds: float


class KpiRouteDay(SQLModel, table=True):
    """An agent's path through their location fixes of one UTC day: its metres and its first
    and last fix (the legs between days join them). Fixes belong to no portfolio: each
    portfolio's rebuild writes its own copy, under its own lock."""

    __tablename__ = "kpi_route_days"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "day", "agent_id", name="uq_kpi_route_days"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    day: date
    agent_id: uuid.UUID
    metres: float
    first_lat: float
    first_lon: float
    last_lat: float
    last_lon: float


class KpiCohortDay(SQLModel, table=True):
    """Accounts placed (created) on one UTC day per portfolio, assigned agent and currency,
    with the principal placed: the cohorts' sizes."""

    __tablename__ = "kpi_cohort_days"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "day", "agent_id", "currency", name="uq_kpi_cohort_days"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    day: date
    agent_id: uuid.UUID
    currency: str = Field(max_length=3)
    accounts: int
    principal_minor: int = Field(sa_column=Column(BigInteger, nullable=False))


class KpiCohortPayment(SQLModel, table=True):
    """The payments (not reversed when written) received up to the facts' settled day on the
    accounts placed on one UTC day (``day``), per portfolio, assigned agent, the accounts'
    currency and the month they were received in: the cohorts' recovery curves. Unlike the
    other facts, a day placed long ago still collects: the table is rewritten whole whenever
    the settled day moves or a payment lands late (``daily.write_days``)."""

    __tablename__ = "kpi_cohort_payments"
    __table_args__ = (
        UniqueConstraint(
            "portfolio_id", "day", "agent_id", "currency", "month", name="uq_kpi_cohort_payments"
        ),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    day: date
    agent_id: uuid.UUID
    currency: str = Field(max_length=3)
    month: date
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))


class KpiPromiseDay(SQLModel, table=True):
    """Promises made on one UTC day (superseded ones left out) per portfolio, the account's
    assigned agent, the agent who recorded them (``NO_AGENT``: nobody's), currency and status
    when written, with the amount promised and the amount received up to it."""

    __tablename__ = "kpi_promise_days"
    __table_args__ = (
        UniqueConstraint(
            "portfolio_id",
            "day",
            "agent_id",
            "recorder_id",
            "currency",
            "status",
            name="uq_kpi_promise_days",
        ),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    day: date
    agent_id: uuid.UUID
    recorder_id: uuid.UUID
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    promises: int
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    received_minor: int = Field(sa_column=Column(BigInteger, nullable=False))


class KpiDailyMark(SQLModel, table=True):
    """The days a portfolio's daily facts cover: ``first`` to ``through``, and when they were
    last written (None: before that was recorded), from which rows that landed since are
    looked for."""

    __tablename__ = "kpi_daily_marks"

    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", primary_key=True)
    first: date
    through: date
    written_at: datetime | None = datetime_field()
