"""The KPI dashboard's API shapes (``/api/v1/analytics``). Money is minor units with its
currency; a rate is a share between 0 and 1 (null when nothing was there to measure)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class AgingPoint(BaseModel):
    day: date
    bucket: str
    currency: str
    accounts: int
    balance_minor: int


class RollCell(BaseModel):
    month: date = Field(description="rolled from the end of the month before to its end")
    from_bucket: str
    to_bucket: str = Field(description="a bucket, or 'paid'")
    accounts: int
    balance_minor: int = Field(description="their balance at the start")
    rate: float | None = Field(description="share of the from_bucket's accounts")


class CurePoint(BaseModel):
    month: date
    delinquent: int = Field(description="accounts past due at the start of the month")
    cured: int = Field(description="of them, current or paid at its end")
    rate: float | None


class CurveStep(BaseModel):
    months: int = Field(description="months since the cohort's month (0: that month)")
    collected_minor: int = Field(description="cumulative")
    rate: float | None = Field(description="collected over the principal placed")


class Cohort(BaseModel):
    cohort: date
    currency: str
    accounts: int
    placed_minor: int
    curve: list[CurveStep]


class PromiseFigures(BaseModel):
    currency: str
    made: int
    kept: int
    partially_kept: int
    broken: int
    open: int
    made_minor: int
    kept_minor: int
    partially_kept_minor: int
    broken_minor: int
    received_minor: int = Field(description="received against them, up to each amount")
    kept_rate: float | None = Field(description="kept over resolved (kept, partial, broken)")


class SurvivalPoint(BaseModel):
    instalments: int
    plans: int = Field(description="plans whose instalment of that number is past due")
    current: int = Field(description="of them, with none of those instalments missed")
    rate: float | None


class ChannelCollected(BaseModel):
    channel: str
    currency: str
    payments: int
    amount_minor: int


class PortfolioKpis(BaseModel):
    date_from: date
    date_to: date
    aging: list[AgingPoint]
    rolls: list[RollCell]
    cure: list[CurePoint]
    cohorts: list[Cohort]
    promises: list[PromiseFigures]
    plan_survival: list[SurvivalPoint]
    collected: list[ChannelCollected]


class MoneyAmount(BaseModel):
    currency: str
    amount_minor: int


class AgentKpis(BaseModel):
    agent_id: uuid.UUID
    name: str
    visits: int
    far_visits: int
    contacts: int
    contact_rate: float | None
    promises: int
    promises_kept: int
    kept_rate: float | None
    collected: list[MoneyAmount]
    route_m: int
    stop_minutes: int


class ChannelStep(BaseModel):
    channel: str
    step: str
    sent: int
    delivered: int
    read: int
    replied: int
    paid_7d: int
    opt_outs: int


class KpiAccount(BaseModel):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    external_ref: str
    product: str
    currency: str
    balance_minor: int
    due_date: date
    status: str
    assigned_agent_id: uuid.UUID | None
    segment: str | None = None  # as the last evaluation stored it
