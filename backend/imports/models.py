from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, id_field, json_field, updated_at_field


class ImportBatch(SQLModel, table=True):
    """One uploaded file: ``completed`` (written) or ``rejected`` (nothing written, the report
    kept for download). The same content imported twice into a portfolio is recognised by its
    hash; a rejected file may be sent again."""

    __tablename__ = "import_batches"
    __table_args__ = (
        Index(
            "uq_import_content",
            "portfolio_id",
            "sha256",
            unique=True,
            sqlite_where=text("status = 'completed'"),
            postgresql_where=text("status = 'completed'"),
        ),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    status: str = Field(default="completed", max_length=20)
    rows: int = 0
    summary: dict[str, Any] = json_field()
    # {"errors": [[row, column, code, params]...], "warnings": [...], "error_total",
    #  "warning_total"}: codes and parameters, rendered in the reader's language.
    report: dict[str, Any] = json_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()


class ImportMapping(SQLModel, table=True):
    """A portfolio's saved column mapping: the file's header -> a column name (or ``-``)."""

    __tablename__ = "import_mappings"

    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", primary_key=True)
    columns: dict[str, str] = json_field()
    updated_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = updated_at_field()
