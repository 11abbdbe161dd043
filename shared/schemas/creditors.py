from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

Country = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


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
    created_at: datetime


class PortfolioCreate(BaseModel):
    creditor_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    country: str = Country
    timezone: str = Field(min_length=1, max_length=64, description="IANA, e.g. America/Lima")


class PortfolioUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)


class PortfolioRead(BaseModel):
    id: uuid.UUID
    creditor_id: uuid.UUID
    name: str
    currency: str
    country: str
    timezone: str
    negotiation_policy: dict[str, Any]
    contact_rules: dict[str, Any]
    created_at: datetime
