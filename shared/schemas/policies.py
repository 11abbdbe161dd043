"""Negotiation-policy ceilings and the changes that wait for an admin's approval."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PolicyChangeStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class PolicyCeilings(BaseModel):
    """The limits an admin sets per portfolio for the negotiation policy: a supervisor's
    policy within all of them applies at once, one beyond any waits for an admin's approval.
    ``max_*``: the most lenient value allowed anywhere in the policy (base, per-bucket
    discounts, overrides); ``min_*``: the least."""

    model_config = ConfigDict(extra="forbid")

    max_settlement_discount_bps: int = Field(ge=0, le=10_000)
    max_instalments: int = Field(ge=1, le=600)
    max_plan_days: int = Field(ge=0)
    max_days_first_payment: int = Field(ge=0)
    min_down_payment_bps: int = Field(ge=0, lt=10_000)
    max_grace_days: int = Field(ge=0)
    max_settlement_deadline_days: int = Field(ge=0)
    max_promise_days: int = Field(ge=1)
    max_negotiations: int = Field(ge=0)


class PolicyCeilingsUpdate(BaseModel):
    """The ceilings to set; an omitted (or null) one is the default policy's value."""

    model_config = ConfigDict(extra="forbid")

    max_settlement_discount_bps: int | None = Field(default=None, ge=0, le=10_000)
    max_instalments: int | None = Field(default=None, ge=1, le=600)
    max_plan_days: int | None = Field(default=None, ge=0)
    max_days_first_payment: int | None = Field(default=None, ge=0)
    min_down_payment_bps: int | None = Field(default=None, ge=0, lt=10_000)
    max_grace_days: int | None = Field(default=None, ge=0)
    max_settlement_deadline_days: int | None = Field(default=None, ge=0)
    max_promise_days: int | None = Field(default=None, ge=1)
    max_negotiations: int | None = Field(default=None, ge=0)


class CeilingExceeded(BaseModel):
    ceiling: str  # a field of PolicyCeilings
    limit: int
    value: int  # the policy's most lenient value on it


class PolicyChangeRead(BaseModel):
    """A supervisor's policy beyond the portfolio's ceilings, waiting for an admin."""

    id: uuid.UUID
    portfolio_id: uuid.UUID
    status: PolicyChangeStatus
    proposed: dict[str, Any]
    exceeded: list[CeilingExceeded]
    requested_by_id: uuid.UUID | None
    requested_at: datetime
    decided_by_id: uuid.UUID | None
    decided_at: datetime | None
    decision_note: str | None


class PolicyApproval(BaseModel):
    note: str | None = Field(default=None, max_length=500)


class PolicyRejection(BaseModel):
    reason: str = Field(min_length=3, max_length=500)
