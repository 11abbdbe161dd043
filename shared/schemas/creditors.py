from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.money import MAX_STORED_MINOR

Country = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
# Days a portfolio gives itself to answer a debtor's dispute, unless it says otherwise.
DISPUTE_REVIEW_DAYS = 15


class CreditorCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    tax_id: str | None = Field(default=None, max_length=40)
    country: str = Country


class CreditorUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    tax_id: str | None = Field(default=None, max_length=40)


class CreditorRead(BaseModel):
    id: uuid.UUID
    name: str
    tax_id: str | None
    country: str
    scoring_enabled: bool = True
    created_at: datetime


class PortfolioCreate(BaseModel):
    creditor_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    country: str = Country
    timezone: str = Field(min_length=1, max_length=64, description="IANA, e.g. America/Lima")
    max_amount_minor: int | None = Field(
        default=None,
        ge=1,
        le=MAX_STORED_MINOR,
        description="largest amount or balance accepted, minor units (default 10^13)",
    )
    overpayment_tolerance_minor: int = Field(
        default=0,
        ge=0,
        le=MAX_STORED_MINOR,
        description="how far below zero a field payment or manual post may take the balance "
        "without a supervisor",
    )
    dispute_review_days: int = Field(
        default=DISPUTE_REVIEW_DAYS,
        ge=1,
        le=90,
        description="calendar days to answer a debtor's dispute: the date the debtor is told",
    )


class PortfolioUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    max_amount_minor: int | None = Field(default=None, ge=1, le=MAX_STORED_MINOR)
    overpayment_tolerance_minor: int | None = Field(default=None, ge=0, le=MAX_STORED_MINOR)
    dispute_review_days: int | None = Field(default=None, ge=1, le=90)


class PortfolioRead(BaseModel):
    id: uuid.UUID
    creditor_id: uuid.UUID
    name: str
    currency: str
    country: str
    timezone: str
    negotiation_policy: dict[str, Any]
    contact_rules: dict[str, Any]
    max_amount_minor: int | None = None
    overpayment_tolerance_minor: int = 0
    dispute_review_days: int = DISPUTE_REVIEW_DAYS
    created_at: datetime
