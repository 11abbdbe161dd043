from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, EmailStr, Field

from shared.schemas.enums import Channel, DebtorKind, Language, NationalIdType


class AddressIn(BaseModel):
    line1: str = Field(min_length=1, max_length=300)
    district: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=120)
    region: str | None = Field(default=None, max_length=120)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    postal_code: str | None = Field(default=None, max_length=20)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class AddressRead(AddressIn):
    id: uuid.UUID


class DebtorCreate(BaseModel):
    portfolio_id: uuid.UUID
    kind: DebtorKind = DebtorKind.person
    id_type: NationalIdType
    id_number: str = Field(min_length=1, max_length=32)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company_name: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    phones: list[str] = Field(default_factory=list, max_length=10)
    emails: list[EmailStr] = Field(default_factory=list, max_length=10)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=10)
    preferred_language: Language = Language.es
    preferred_channel: Channel | None = None
    opt_outs: list[Channel] = Field(default_factory=list)


class DebtorUpdate(BaseModel):
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company_name: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    phones: list[str] | None = Field(default=None, max_length=10)
    emails: list[EmailStr] | None = Field(default=None, max_length=10)
    addresses: list[AddressIn] | None = Field(default=None, max_length=10)
    preferred_language: Language | None = None
    preferred_channel: Channel | None = None
    opt_outs: list[Channel] | None = Field(
        default=None,
        description="channels the debtor refused; staff may add to them, never remove "
        "(POST /debtors/{id}/opt-in)",
    )


class OptIn(BaseModel):
    """An admin lifts opt-outs on the debtor's word; the reason goes to the audit trail."""

    channels: list[Channel] = Field(min_length=1, max_length=len(Channel))
    reason: str = Field(min_length=5, max_length=500)


class DebtorRead(BaseModel):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    kind: DebtorKind
    id_type: NationalIdType
    id_number: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    display_name: str
    birth_date: date | None
    phones: list[str]
    emails: list[str]
    addresses: list[AddressRead]
    preferred_language: Language
    preferred_channel: Channel | None
    opt_outs: list[Channel]
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None = Field(
        default=None, description="when the personal data was erased (names are a placeholder)"
    )
