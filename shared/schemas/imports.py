"""Portfolio import answers: the batch summary, stored batches and the row error report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ImportSummary(BaseModel):
    batch_id: uuid.UUID
    rows: int = Field(description="data rows in the file (blank rows are skipped)")
    debtors_created: int
    debtors_updated: int
    accounts_created: int
    accounts_updated: int
    unchanged: int = Field(description="accounts already exactly as the file says")
    ledger_entries: int = Field(description="ledger entries posted by this batch")
    warnings: int = Field(
        default=0,
        description="invalid optional contacts left out (see GET /imports/{id}/report.csv)",
    )
    replayed: bool = Field(
        default=False, description="true when this exact file was imported before: nothing changed"
    )


class RejectedSummary(BaseModel):
    rows: int
    errors: int
    warnings: int


class ImportBatchRead(BaseModel):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    filename: str
    sha256: str
    status: Literal["completed", "rejected"]
    rows: int
    summary: ImportSummary | RejectedSummary
    created_by_id: uuid.UUID | None
    created_at: datetime


class ImportRowError(BaseModel):
    """One entry of ``details.errors`` of a 422 ``import_invalid`` answer."""

    row: int = Field(description="row as a spreadsheet shows it: the header is row 1")
    column: str = Field(description="the column's header as written in the file")
    reason: str
    code: str
    suggestion: str | None = Field(
        default=None, description="unknown_column: the closest known column spelling"
    )


class ImportErrorReport(BaseModel):
    """``details`` of a 422 ``import_invalid`` answer."""

    errors: list[ImportRowError] = Field(description="the first 1000 errors, by row")
    total: int
    truncated: bool
    warnings: int = Field(description="warnings (invalid optional contacts) counted")
    batch_id: uuid.UUID = Field(description="the rejected batch, which keeps the full report")
    report: dict[str, str] = Field(description="download links: csv and xlsx")


class ImportMappingBody(BaseModel):
    """A portfolio's column mapping: the file's header -> a column name, or ``-`` to ignore."""

    columns: dict[str, str] = Field(
        examples=[{"Saldo deudor": "principal", "Mi Col": "phones", "Observaciones": "-"}]
    )
