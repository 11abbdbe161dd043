from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Integer, true
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, id_field, json_field
from shared.schemas.creditors import DISPUTE_REVIEW_DAYS


class Creditor(SQLModel, table=True):
    """Whose debts are collected: a bank, retailer, utility or agency client."""

    __tablename__ = "creditors"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200, unique=True)
    tax_id: str | None = Field(default=None, max_length=40)
    country: str = Field(max_length=2)
    # Propensity scores order worklists and feed segments only while this is on
    # (``docs/analytics-models.md``); off, they fall back to the rules without a score.
    scoring_enabled: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    created_at: datetime = created_at_field()


class Portfolio(SQLModel, table=True):
    """A creditor's set of accounts, with its currency, country, timezone and policies."""

    __tablename__ = "portfolios"

    id: uuid.UUID = id_field()
    creditor_id: uuid.UUID = Field(foreign_key="creditors.id", index=True)
    name: str = Field(max_length=200)
    currency: str = Field(max_length=3)
    country: str = Field(max_length=2)
    timezone: str = Field(max_length=64)
    # Policies are data, filled in by the negotiation and contact domains.
    negotiation_policy: dict[str, Any] = json_field()
    contact_rules: dict[str, Any] = json_field()
    # Money limits (``backend.amounts``): the largest amount or balance accepted (None: the
    # default), and how far a field payment or manual post may go below zero unapproved.
    max_amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    overpayment_tolerance_minor: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    # Calendar days a supervisor has to answer a dispute: the date the debtor is promised an
    # answer by (``docs/disputes.md`` says why 15 by default and what regulators ask for).
    dispute_review_days: int = Field(
        default=DISPUTE_REVIEW_DAYS,
        sa_column=Column(Integer, nullable=False, server_default=str(DISPUTE_REVIEW_DAYS)),
    )
    created_at: datetime = created_at_field()
