"""An upload waiting for, or processed by, a background job."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from backend.core.columns import (
    created_at_field,
    datetime_field,
    enum_field,
    id_field,
    json_field,
)
from shared.schemas.enums import Language


class Upload(SQLModel, table=True):
    __tablename__ = "uploads"

    id: uuid.UUID = id_field()
    kind: str = Field(max_length=20)  # statement | import
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    created_by_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    size_bytes: int
    language: Language = enum_field(Language, Language.es)
    options: dict[str, Any] = json_field()
    # The file itself, until the job succeeded (then dropped: the domain keeps what it needs).
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default="queued", max_length=12)  # queued|running|succeeded|failed
    stage: str | None = Field(default=None, max_length=40)
    done: int = 0
    total: int | None = None
    result: dict[str, Any] | None = json_field(lambda: None, nullable=True)
    error: dict[str, Any] | None = json_field(lambda: None, nullable=True)
    created_at: datetime = created_at_field()
    started_at: datetime | None = datetime_field()
    progress_at: datetime | None = datetime_field()
    finished_at: datetime | None = datetime_field()


class PaymentEvidence(SQLModel, table=True):
    """A payment voucher a debtor sent in a chat (a photo or a document), kept on the account
    with a task for a person to check it against the money received (``task_id``). One per
    chat message (``client_key``), so a redelivered message stores nothing twice."""

    __tablename__ = "payment_evidence"

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    client_key: str = Field(max_length=64, unique=True)
    channel: str = Field(max_length=20)
    content_type: str = Field(max_length=100)
    filename: str = Field(max_length=255)
    size_bytes: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    caption: str | None = Field(default=None, max_length=1000)
    task_id: uuid.UUID | None = Field(default=None, foreign_key="tasks.id")
    created_at: datetime = created_at_field()
