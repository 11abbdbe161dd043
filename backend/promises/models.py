from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, enum_field, id_field
from shared.schemas.enums import ActionChannel, PromiseStatus


class Promise(SQLModel, table=True):
    """A promise to pay an amount by a date. At most one open promise per account (a partial
    unique index); a new one supersedes the old."""

    __tablename__ = "promises"
    __table_args__ = (
        Index(
            "uq_promise_one_open",
            "account_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        # The daily check pages through the open promises by id, however many are resolved.
        Index(
            "ix_promises_open_id",
            "id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        # The KPIs' promises of the days the daily facts do not cover yet.
        Index("ix_promises_created_at", "created_at"),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    due_date: date = Field(index=True)
    channel: ActionChannel = enum_field(ActionChannel)
    recorded_by_kind: str = Field(max_length=20)  # agent | bot | supervisor | admin | debtor
    recorded_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    status: PromiseStatus = enum_field(PromiseStatus, PromiseStatus.open, index=True)
    # Sum of the account's balance-lowering entries effective from the promise's creation day,
    # measured when the promise is resolved.
    paid_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    superseded_by_id: uuid.UUID | None = Field(default=None, foreign_key="promises.id")
    client_id: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = created_at_field()
    resolved_at: datetime | None = datetime_field(index=True)  # the KPI facts look for changes
