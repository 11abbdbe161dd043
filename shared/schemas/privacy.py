"""Personal data: who read a debtor's data, and a data subject's erasure."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"  # a zip of one CSV per section


class PersonalDataReadRead(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor_kind: str
    purpose: str = Field(description="what showed the data: debtor.viewed, account.listed, ...")


class ErasureRequest(BaseModel):
    reason: str = Field(min_length=3, max_length=500, description="recorded in the audit log")
    legal_order: bool = Field(
        default=False,
        description="erase although an account still has a balance or an active plan (a court "
        "or authority order; say which in the reason)",
    )


class ErasureResult(BaseModel):
    debtor_id: uuid.UUID
    erased_at: datetime
    already_erased: bool = Field(description="an earlier request erased it; nothing changed")
