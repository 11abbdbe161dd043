from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.core.columns import (
    created_at_field,
    datetime_field,
    enum_field,
    id_field,
    json_field,
    updated_at_field,
)
from shared.schemas.policies import PolicyChangeStatus


class PolicyCeilingSet(SQLModel, table=True):
    """The ceilings an admin set for a portfolio's negotiation policy (``PolicyCeilingsUpdate``
    as given: the missing ones are the default policy's values)."""

    __tablename__ = "policy_ceilings"

    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", primary_key=True)
    ceilings: dict[str, Any] = json_field()
    updated_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = updated_at_field()


class PolicyChange(SQLModel, table=True):
    """A policy a supervisor asked for beyond the portfolio's ceilings: it applies only once an
    admin approves it, and only over the policy it was asked against (``base``)."""

    __tablename__ = "policy_changes"
    __table_args__ = (Index("ix_policy_changes_portfolio_status", "portfolio_id", "status"),)

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")
    status: PolicyChangeStatus = enum_field(PolicyChangeStatus, PolicyChangeStatus.pending)
    proposed: dict[str, Any] = json_field()
    base: dict[str, Any] = json_field()  # the portfolio's stored policy when asked ({}: default)
    exceeded: list[dict[str, Any]] = json_field(list)
    requested_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    requested_at: datetime = created_at_field()
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = datetime_field()
    decision_note: str | None = Field(default=None, max_length=500)
