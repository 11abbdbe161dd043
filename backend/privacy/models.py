from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from backend.core.columns import id_field
from backend.core.db import UTCDateTime


class PersonalDataRead(SQLModel, table=True):
    """Append-only: someone was shown a debtor's personal data (``backend.privacy.reads``).
    Written in batches after the read, never updated or deleted (an erased debtor's reads
    stay: they name no personal data, only who saw the record and when)."""

    __tablename__ = "personal_data_reads"
    __table_args__ = (Index("ix_personal_data_reads_debtor", "debtor_id", "at"),)

    id: uuid.UUID = id_field()
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    actor_kind: str = Field(max_length=20)
    debtor_id: uuid.UUID  # not a foreign key: written after the request, in batches
    purpose: str = Field(max_length=40)
