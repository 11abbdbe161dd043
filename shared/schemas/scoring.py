"""Propensity to pay: model versions, each account's score and what drives it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ScoringSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


class ScoringState(BaseModel):
    creditor_id: uuid.UUID
    enabled: bool


class PropensityModelRead(BaseModel):
    id: uuid.UUID
    creditor_id: uuid.UUID
    version: int
    kind: str
    cutoff: date = Field(description="features as of this day; label: paid in the 30 after")
    sha256: str
    features: list[str]
    metrics: dict[str, Any] = Field(
        description="held-out auc, baseline_auc (days past due alone), brier, calibration bins"
    )
    trained_at: datetime


class ScoreDriver(BaseModel):
    feature: str
    label: str
    value: float | str
    effect: float = Field(description="its term in the log-odds: + raises the score, - lowers")


class AccountScoreRead(BaseModel):
    account_id: uuid.UUID
    enabled: bool = Field(description="false: the creditor switched scoring off")
    score: float | None = Field(description="probability of a payment within 30 days")
    band: str | None
    drivers: list[ScoreDriver]
    model_version: int | None
    scored_at: datetime | None
