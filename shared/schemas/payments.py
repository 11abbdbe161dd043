"""API shapes for payment links, payments (online and field) and provider webhooks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from shared.schemas.enums import Language, LinkPurpose, LinkStatus, PaymentMethod


class PaymentLinkCreate(BaseModel):
    purpose: LinkPurpose
    instalment_id: uuid.UUID | None = Field(
        default=None, description="for purpose=instalment; default the next unpaid one"
    )
    client_key: str | None = Field(
        default=None, min_length=8, max_length=120, description="retry-safe key from the caller"
    )
    language: Language = Language.es
    created_by: Literal["agent", "bot", "reminder", "supervisor", "admin"] | None = None


class PaymentLinkRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    purpose: LinkPurpose
    plan_id: uuid.UUID | None
    instalment_id: uuid.UUID | None
    promise_id: uuid.UUID | None
    amount_minor: int
    currency: str
    provider: str
    url: str | None
    status: LinkStatus
    created_by_kind: str
    expires_at: datetime
    paid_at: datetime | None
    created_at: datetime


class FieldPaymentCreate(BaseModel):
    """A payment an agent took in the field. ``client_id`` is generated on the device: sending
    the same submission again books nothing twice."""

    client_id: str = Field(min_length=8, max_length=64)
    amount: Decimal = Field(gt=0, max_digits=18)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    method: Literal["cash", "transfer", "card_terminal"]
    receipt_number: str = Field(min_length=1, max_length=40)
    paid_on: date
    photo_ref: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    approve_overpayment: bool = Field(
        default=False,
        description="supervisors and admins: book it even beyond the balance plus the "
        "portfolio's tolerance (otherwise 409 overpayment_needs_approval)",
    )


class PaymentRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    ledger_entry_id: uuid.UUID
    link_id: uuid.UUID | None
    instalment_id: uuid.UUID | None
    promise_id: uuid.UUID | None
    method: PaymentMethod
    amount_minor: int
    currency: str
    paid_on: date
    provider: str | None
    agent_id: uuid.UUID | None
    receipt_number: str | None
    verification_code: str | None
    receipt_url: str | None = None
    expected_minor: int | None = Field(
        default=None, description="what the link asked for; differs on over- or under-payment"
    )
    refunded_minor: int = 0
    created_at: datetime


class WebhookAck(BaseModel):
    received: bool = True
    outcome: str
