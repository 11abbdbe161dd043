from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, enum_field, id_field, updated_at_field
from shared.schemas.enums import AccountStatus


class Account(SQLModel, table=True):
    """One debt. ``balance_minor`` is a cache of the sum of its ledger entries, maintained by
    the ledger service with atomic increments in the same transaction as each entry."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "external_ref", name="uq_account_external_ref"),
        Index("ix_accounts_agent_status_due", "assigned_agent_id", "status", "due_date"),
        # Keyset pages of an agent's (or a status's) accounts walk these in id order.
        Index("ix_accounts_agent_id", "assigned_agent_id", "id"),
        Index("ix_accounts_agent_status_id", "assigned_agent_id", "status", "id"),
        # The KPIs' cohorts of the days the daily facts do not cover yet.
        Index("ix_accounts_created_at", "created_at"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id")  # uq_account_external_ref
    debtor_id: uuid.UUID = Field(foreign_key="debtors.id", index=True)
    external_ref: str = Field(max_length=64)
    product: str = Field(max_length=120)
    principal_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    origination_date: date | None = None
    due_date: date = Field(index=True)
    status: AccountStatus = enum_field(AccountStatus, AccountStatus.active, index=True)
    assigned_agent_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    balance_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
