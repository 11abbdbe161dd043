"""API shapes for offers, proposals, plans, promises and tasks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.schemas.enums import (
    ActionChannel,
    InstalmentStatus,
    OfferStatus,
    PlanKind,
    PlanStatus,
    PromiseStatus,
    TaskKind,
    TaskStatus,
)

Frequency = Literal["weekly", "biweekly", "monthly"]


class InstalmentRead(BaseModel):
    number: int = Field(description="0 is the down payment")
    due_date: date
    amount_minor: int
    principal_minor: int = 0
    interest_minor: int = 0
    paid_minor: int = 0
    status: InstalmentStatus = InstalmentStatus.pending


class OfferRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    kind: str
    plan_kind: PlanKind
    balance_minor: int
    currency: str
    total_minor: int
    discount_minor: int
    frequency: str | None
    monthly_rate: Decimal
    instalments: list[InstalmentRead]
    explanation: list[dict[str, Any]]
    status: OfferStatus
    expires_at: datetime
    created_at: datetime


class ChannelBody(BaseModel):
    channel: ActionChannel = ActionChannel.api


class ProposalRequest(BaseModel):
    """A debtor's counter-proposal. ``kind`` picks the fields that matter:

    * ``plan_by_amount``: "I can pay ``instalment_amount`` per ``frequency``"
    * ``plan_by_count``: "``instalments`` instalments starting on ``first_due``"
    * ``settlement``: "I pay ``settlement_amount`` (on ``pay_on``) and we're done"

    Plans may add a down payment as an amount or a percent of the balance ("40% now")."""

    kind: Literal["plan_by_amount", "plan_by_count", "settlement"]
    instalment_amount: Decimal | None = Field(default=None, gt=0, max_digits=18)
    instalments: int | None = Field(default=None, ge=1, le=600)
    frequency: Frequency = "monthly"
    first_due: date | None = None
    down_payment: Decimal | None = Field(default=None, ge=0, max_digits=18)
    down_payment_percent: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5)
    settlement_amount: Decimal | None = Field(default=None, gt=0, max_digits=18)
    pay_on: date | None = None
    insist: bool = Field(default=False, description="ask a supervisor instead of countering")
    channel: ActionChannel = ActionChannel.api

    @model_validator(mode="after")
    def _fields_for_kind(self) -> ProposalRequest:
        needed = {
            "plan_by_amount": "instalment_amount",
            "plan_by_count": "instalments",
            "settlement": "settlement_amount",
        }[self.kind]
        if getattr(self, needed) is None:
            raise ValueError(f"{needed} is required for {self.kind}")
        if self.down_payment is not None and self.down_payment_percent is not None:
            raise ValueError("give down_payment or down_payment_percent, not both")
        return self


class ProposalResult(BaseModel):
    outcome: Literal["accepted", "counter_offer", "needs_approval"]
    offer: OfferRead | None = Field(description="accept it with POST /offers/{id}/accept")
    violations: list[dict[str, Any]]
    task_id: uuid.UUID | None = Field(default=None, description="approval request, if any")


class PlanRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    offer_id: uuid.UUID | None
    kind: PlanKind
    status: PlanStatus
    currency: str
    balance_at_agreement_minor: int
    total_minor: int
    discount_minor: int
    paid_minor: int
    frequency: str | None
    monthly_rate: Decimal
    channel: ActionChannel
    instalments: list[InstalmentRead]
    next_due: InstalmentRead | None
    created_at: datetime
    closed_at: datetime | None


class PlanCancel(BaseModel):
    reason: str = Field(min_length=1, max_length=300)
    channel: ActionChannel = ActionChannel.api


class PromiseCreate(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=18)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    due_date: date
    channel: ActionChannel = ActionChannel.api
    client_id: str | None = Field(
        default=None, min_length=8, max_length=64, description="retry-safe id from the client"
    )


class PromiseRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    amount_minor: int
    currency: str
    due_date: date
    channel: ActionChannel
    recorded_by_kind: str
    recorded_by_id: uuid.UUID | None
    status: PromiseStatus
    paid_minor: int
    superseded_by_id: uuid.UUID | None
    created_at: datetime
    resolved_at: datetime | None


class PromiseKpis(BaseModel):
    currency: str
    made: int
    kept: int
    partially_kept: int
    broken: int
    open: int
    amount_promised_minor: int
    amount_kept_minor: int = Field(description="received against resolved promises")


class TaskRead(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    assignee_id: uuid.UUID | None
    kind: TaskKind
    status: TaskStatus
    due_date: date
    payload: dict[str, Any]
    resolution: str | None
    created_at: datetime
    closed_at: datetime | None


class TaskClose(BaseModel):
    status: Literal["done", "cancelled", "approved", "rejected"]
    resolution: str | None = Field(default=None, max_length=500)
