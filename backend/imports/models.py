from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, id_field, json_field


class ImportBatch(SQLModel, table=True):
    """One uploaded file. The same content twice for a portfolio is recognised by its hash."""

    __tablename__ = "import_batches"
    __table_args__ = (UniqueConstraint("portfolio_id", "sha256", name="uq_import_content"),)

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    rows: int = 0
    summary: dict[str, Any] = json_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()
