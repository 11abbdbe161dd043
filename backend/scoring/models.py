from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.core.columns import created_at_field, id_field, json_field


class PropensityModel(SQLModel, table=True):
    """One trained version of a creditor's model: the fitted estimator (joblib bytes and their
    SHA-256), the features it reads, and its held-out metrics (AUC, Brier, calibration, the
    days-past-due baseline's AUC)."""

    __tablename__ = "propensity_models"
    __table_args__ = (UniqueConstraint("creditor_id", "version", name="uq_propensity_version"),)

    id: uuid.UUID = id_field()
    creditor_id: uuid.UUID = Field(foreign_key="creditors.id", index=True)
    version: int
    kind: str = Field(max_length=40)
    cutoff: date
    sha256: str = Field(max_length=64)
    artifact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    features: list[str] = json_field(list)
    metrics: dict[str, Any] = json_field()
    trained_at: datetime = created_at_field()


class AccountScore(SQLModel, table=True):
    """An account's latest score: the probability it pays within 30 days, its band, and the
    features that moved it most (``[{"feature", "value", "effect"}]``, largest first)."""

    __tablename__ = "account_scores"

    account_id: uuid.UUID = Field(foreign_key="accounts.id", primary_key=True)
    creditor_id: uuid.UUID = Field(foreign_key="creditors.id", index=True)
    model_id: uuid.UUID = Field(foreign_key="propensity_models.id")
    # A probability, not money: a float is the right type.
    score: float
    band: str = Field(max_length=10)
    drivers: list[dict[str, Any]] = json_field(list)
    scored_at: datetime = created_at_field()
