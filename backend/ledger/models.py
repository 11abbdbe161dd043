from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, enum_field, id_field
from shared.schemas.enums import EntryKind


class LedgerEntry(SQLModel, table=True):
    """Append-only (database triggers refuse UPDATE and DELETE). ``amount_minor`` is signed:
    positive raises the balance (charge, interest, fee), negative lowers it (payment, discount);
    a reversal carries the negated amount of the one entry it reverses."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key", name="uq_ledger_idempotency"),
        UniqueConstraint("reverses_entry_id", name="uq_ledger_single_reversal"),
        Index("ix_ledger_entries_created_at", "created_at"),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id")  # uq_ledger_idempotency
    kind: EntryKind = enum_field(EntryKind)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    effective_date: date
    source: str = Field(max_length=40)
    idempotency_key: str = Field(max_length=200)
    reverses_entry_id: uuid.UUID | None = Field(default=None, foreign_key="ledger_entries.id")
    description: str | None = Field(default=None, max_length=300)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()
