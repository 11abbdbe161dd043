"""Champion/challenger experiments on a strategy step's template."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.schemas.outbound import TEMPLATE_NAME

VARIANT_KEY = r"^[a-z0-9][a-z0-9_-]{0,19}$"


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=VARIANT_KEY)
    template: str = Field(pattern=TEMPLATE_NAME)
    bands: list[Literal["high", "medium", "low"]] | None = Field(
        default=None,
        min_length=1,
        description="the propensity bands this variant is for (none: every account)",
    )


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(min_length=1, max_length=60, description="the strategy's name")
    step: str = Field(min_length=1, max_length=40, description="the step's id")
    variants: list[Variant] = Field(min_length=2, max_length=5)
    min_outcomes: int = Field(
        default=30,
        ge=1,
        le=100_000,
        description="outcomes every variant needs before the bandit assigns (else at random)",
    )

    @model_validator(mode="after")
    def _distinct(self) -> ExperimentCreate:
        keys = [v.key for v in self.variants]
        if len(set(keys)) != len(keys):
            raise ValueError("variant keys repeat")
        return self


class Promotion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant: str = Field(pattern=VARIANT_KEY)


class VariantResult(BaseModel):
    key: str
    template: str
    assigned: int
    matured: int = Field(description="assigned at least 7 days ago: their outcome is known")
    paid: int = Field(description="matured accounts that paid within 7 days")
    paid_rate: float | None
    recovered_minor: int = Field(description="paid within 7 days of assignment, all accounts")
    probability_best: float = Field(description="of the highest paid rate (Beta posteriors)")


class ExperimentRead(BaseModel):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    strategy: str
    step: str
    variants: list[Variant]
    min_outcomes: int
    status: Literal["running", "promoted"]
    winner: str | None
    assignment: Literal["random", "thompson"] = Field(description="how new accounts are split now")
    results: list[VariantResult]
    created_at: datetime
    promoted_at: datetime | None
