from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, id_field, json_field, updated_at_field


class SegmentRule(SQLModel, table=True):
    """One rule of a portfolio: accounts meeting ``conditions`` (``SegmentConditions`` as
    JSON) are in ``segment``, unless a rule of lower ``position`` took them first."""

    __tablename__ = "segment_rules"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "position", name="uq_segment_rule_position"),
    )

    id: uuid.UUID = id_field()
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    segment: str = Field(max_length=40)
    position: int
    conditions: dict[str, Any] = json_field()
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class AccountSegment(SQLModel, table=True):
    """An account's segment as the last evaluation found it, and the rule (at its version)
    that put it there: the explanation. ``segment`` None: no rule took it."""

    __tablename__ = "account_segments"

    account_id: uuid.UUID = Field(foreign_key="accounts.id", primary_key=True)
    portfolio_id: uuid.UUID = Field(foreign_key="portfolios.id", index=True)
    segment: str | None = Field(default=None, max_length=40)
    # Not a foreign key: deleting a rule keeps what the last evaluation said until the next.
    rule_id: uuid.UUID | None = None
    rule_version: int | None = None
    evaluated_at: datetime = created_at_field()
