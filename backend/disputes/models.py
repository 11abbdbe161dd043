from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, enum_field, id_field, json_field
from shared.schemas.enums import AccountStatus, ActionChannel, DisputeReason, DisputeStatus


class Dispute(SQLModel, table=True):
    """A debtor says an account's debt is not theirs, already paid or wrong. While it is open
    the account is ``disputed`` (no contact on any channel); a supervisor resolves it once.
    One open dispute per account (a partial unique index); ``client_key`` makes a retried
    request (a redelivered chat message) return the dispute it opened."""

    __tablename__ = "disputes"
    __table_args__ = (
        Index(
            "uq_disputes_open_account",
            "account_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_disputes_status_id", "status", "id"),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id", index=True)
    reason: DisputeReason = enum_field(DisputeReason)
    statement: str = Field(max_length=2000)  # the debtor's own words
    evidence: list[str] = json_field(list)  # ids of evidence uploads
    status: DisputeStatus = enum_field(DisputeStatus, DisputeStatus.open)
    # What the account was before it became disputed (for the record; resolving restores what
    # the account's plan and balance then say, see ``service.restore``).
    previous_status: AccountStatus = enum_field(AccountStatus)
    channel: ActionChannel = enum_field(ActionChannel)
    opened_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    client_key: str | None = Field(default=None, max_length=120, unique=True)
    task_id: uuid.UUID | None = Field(default=None, foreign_key="tasks.id")
    respond_by: date  # the date the debtor is told they will hear back by
    created_at: datetime = created_at_field()
    resolved_at: datetime | None = datetime_field()
    resolved_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    resolution_note: str | None = Field(default=None, max_length=1000)
    adjustment_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    adjustment_entry_id: uuid.UUID | None = Field(default=None, foreign_key="ledger_entries.id")


class DebtorNotice(SQLModel, table=True):
    """Something a debtor must be told (a dispute's outcome), shown by the bot or the portal
    the next time the debtor is there and then marked shown. ``kind`` is a message key of
    ``shared/i18n/catalog/disputes.py``; ``params`` are plain values (ISO dates, minor units),
    formatted for the reader when shown. One notice per (dispute, kind)."""

    __tablename__ = "debtor_notices"
    __table_args__ = (
        UniqueConstraint("dispute_id", "kind", name="uq_debtor_notice_dispute_kind"),
        Index("ix_debtor_notices_pending", "debtor_id", "shown_at"),
    )

    id: uuid.UUID = id_field()
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id")
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    dispute_id: uuid.UUID | None = Field(default=None, foreign_key="disputes.id")
    kind: str = Field(max_length=60)
    params: dict[str, Any] = json_field()
    created_at: datetime = created_at_field()
    shown_at: datetime | None = datetime_field()
    shown_channel: str | None = Field(default=None, max_length=20)
