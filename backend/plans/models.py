from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, datetime_field, enum_field, id_field, json_field
from shared.schemas.enums import ActionChannel, InstalmentStatus, OfferStatus, PlanKind, PlanStatus


class Offer(SQLModel, table=True):
    """A concrete option shown to a debtor or agent, valid until ``expires_at``. It remembers the
    balance it was computed for: if the balance moved, accepting it is refused."""

    __tablename__ = "offers"

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    kind: str = Field(max_length=30)
    plan_kind: PlanKind = enum_field(PlanKind)
    balance_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    total_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    discount_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    frequency: str | None = Field(default=None, max_length=10)
    monthly_rate: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(10, 6), nullable=False)
    )
    schedule: list[dict[str, Any]] = json_field(list)
    explanation: list[dict[str, Any]] = json_field(list)
    status: OfferStatus = enum_field(OfferStatus, OfferStatus.open)
    channel: ActionChannel = enum_field(ActionChannel, ActionChannel.api)
    # Offers made together (one negotiation opened) share a batch id.
    batch_id: uuid.UUID | None = Field(default=None, index=True)
    expires_at: datetime = datetime_field(nullable=False)
    created_at: datetime = created_at_field()


class Plan(SQLModel, table=True):
    """An agreed payment plan (instalments or a one-off settlement). ``offer_id`` is unique, so
    two simultaneous accepts of one offer create one plan."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("offer_id", name="uq_plan_offer"),
        # The daily check pages through the active plans by id, however many have ended.
        Index(
            "ix_plans_active_id",
            "id",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index("ix_plans_account_status", "account_id", "status"),  # the account's active plan
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    offer_id: uuid.UUID | None = Field(default=None, foreign_key="offers.id")
    kind: PlanKind = enum_field(PlanKind)
    status: PlanStatus = enum_field(PlanStatus, PlanStatus.active, index=True)
    currency: str = Field(max_length=3)
    balance_at_agreement_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    total_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    discount_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    frequency: str | None = Field(default=None, max_length=10)
    monthly_rate: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(10, 6), nullable=False)
    )
    grace_days: int = 0
    missed_to_break: int = 1
    channel: ActionChannel = enum_field(ActionChannel, ActionChannel.api)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at_field()
    closed_at: datetime | None = datetime_field()


class PlanInstalment(SQLModel, table=True):
    __tablename__ = "plan_instalments"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_instalment_number"),)

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = Field(foreign_key="plans.id", index=True)
    number: int
    due_date: date = Field(index=True)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    principal_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    interest_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    paid_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    status: InstalmentStatus = enum_field(InstalmentStatus, InstalmentStatus.pending)
