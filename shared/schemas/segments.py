"""Segments: named groups of a portfolio's accounts, given by ordered rules (first match wins)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.schemas.enums import AgingBucket

SEGMENT_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"
#: The propensity score's bands, from most to least likely to pay (``backend.scoring``).
SCORE_BANDS = ("high", "medium", "low")


class SegmentConditions(BaseModel):
    """What an account must be for the rule to take it (every condition given; none: all)."""

    model_config = ConfigDict(extra="forbid")

    aging_buckets: list[AgingBucket] = Field(default_factory=list, max_length=6)
    min_balance_minor: int | None = Field(default=None, ge=0)
    max_balance_minor: int | None = Field(default=None, ge=0)
    products: list[str] = Field(default_factory=list, max_length=50)
    regions: list[str] = Field(default_factory=list, max_length=50)
    score_bands: list[str] = Field(default_factory=list, max_length=3)
    broken_promise_within_days: int | None = Field(default=None, ge=1, le=3650)

    @model_validator(mode="after")
    def _coherent(self) -> SegmentConditions:
        low, high = self.min_balance_minor, self.max_balance_minor
        if low is not None and high is not None and low > high:
            raise ValueError("min_balance_minor is above max_balance_minor")
        unknown = set(self.score_bands) - set(SCORE_BANDS)
        if unknown:
            raise ValueError(f"unknown score bands: {', '.join(sorted(unknown))}")
        return self


class SegmentRuleWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment: str = Field(pattern=SEGMENT_NAME, description="the segment the rule names")
    position: int = Field(ge=0, le=10_000, description="rules are tried lowest first")
    conditions: SegmentConditions = Field(default_factory=SegmentConditions)


class SegmentRuleRead(SegmentRuleWrite):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    version: int
    explanation: str
    created_at: datetime
    updated_at: datetime


class AccountSegmentRead(BaseModel):
    account_id: uuid.UUID
    segment: str | None = Field(description="None: no rule took the account")
    rule_id: uuid.UUID | None
    explanation: str
    evaluated_at: datetime | None


class SegmentEvaluation(BaseModel):
    portfolio_id: uuid.UUID
    accounts: int
    by_segment: dict[str, int]
