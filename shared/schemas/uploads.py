"""A long upload processed in the background, and its progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel


class UploadRead(BaseModel):
    id: uuid.UUID
    kind: str
    portfolio_id: uuid.UUID
    filename: str
    size_bytes: int
    status: Literal["queued", "running", "succeeded", "failed"]
    stage: str | None = None
    done: int = 0
    total: int | None = None
    rate_per_second: float | None = None  # rows per second so far
    eta_seconds: int | None = None
    result: dict[str, Any] | None = None  # e.g. {"statement_id": ...} once succeeded
    error: dict[str, Any] | None = None  # {"code", "message", "details"} once failed
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
