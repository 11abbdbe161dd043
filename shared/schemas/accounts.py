from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from shared.schemas.enums import AccountStatus, AgingBucket

Amount = Field(
    description="Decimal amount in the currency's major unit as a string, e.g. '1234.50'; "
    "more decimals than the currency allows are rejected",
)


class AccountCreate(BaseModel):
    portfolio_id: uuid.UUID
    debtor_id: uuid.UUID
    external_ref: str = Field(min_length=1, max_length=64)
    product: str = Field(min_length=1, max_length=120)
    principal: Decimal = Field(gt=0, max_digits=18, description=Amount.description)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    origination_date: date | None = None
    due_date: date
    assigned_agent_id: uuid.UUID | None = None


class AccountUpdate(BaseModel):
    product: str | None = Field(default=None, min_length=1, max_length=120)
    due_date: date | None = None
    status: AccountStatus | None = None
    assigned_agent_id: uuid.UUID | None = None


class DebtorSummary(BaseModel):
    id: uuid.UUID
    display_name: str
    id_type: str
    id_number: str


class AccountRead(BaseModel):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    debtor_id: uuid.UUID
    debtor: DebtorSummary | None = None
    external_ref: str
    product: str
    principal_minor: int
    currency: str
    origination_date: date | None
    due_date: date
    status: AccountStatus
    assigned_agent_id: uuid.UUID | None
    balance_minor: int
    days_past_due: int
    aging_bucket: AgingBucket
    created_at: datetime
    updated_at: datetime


class AssignRequest(BaseModel):
    account_ids: list[uuid.UUID] = Field(min_length=1, max_length=5000)
    agent_id: uuid.UUID | None = Field(description="null unassigns")


class AssignResult(BaseModel):
    assigned: int


class TimelineItem(BaseModel):
    at: datetime
    type: str  # "ledger" | "audit"
    action: str
    actor_id: uuid.UUID | None = None
    data: dict[str, Any]
