"""Outbound messages: templates and their previews, and the strategies that send them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.enums import AgingBucket, Channel, Language

TEMPLATE_NAME = r"^[a-z0-9][a-z0-9_-]{0,59}$"


class TemplateWrite(BaseModel):
    body: str = Field(
        min_length=1,
        max_length=2000,
        description="Jinja2 text, e.g. "
        "'Hola {{ first_name }}, su saldo es {{ balance }}: {{ payment_link }}'",
    )
    subject: str | None = Field(default=None, max_length=200, description="e-mail subject")
    whatsapp_name: str | None = Field(
        default=None, max_length=120, description="the approved WhatsApp template's name"
    )
    whatsapp_params: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="the variables the WhatsApp template's body parameters take, in order",
    )


class TemplateRead(TemplateWrite):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    name: str
    language: Language
    version: int
    updated_at: datetime


class PreviewRequest(BaseModel):
    account_id: uuid.UUID | None = Field(
        default=None, description="render with this account's facts (else sample facts)"
    )


class PreviewRead(BaseModel):
    subject: str | None
    text: str
    whatsapp_parameters: list[str]
    variables: dict[str, str]


# --- strategies ---------------------------------------------------------------------------------

TriggerKind = Literal[
    "due_in_days",  # N days before the account's due date
    "days_past_due",  # N days after it
    "instalment_due_in_days",  # N days before an instalment of the active plan
    "instalment_overdue_days",  # N days after an unpaid instalment
    "promise_due",  # an open promise falls due today
    "promise_broken",
    "plan_broken",
    "link_unpaid_hours",  # a payment link still unpaid N hours after it was made
    "imported",  # first contact after the account arrived
    "after_step",  # N hours after another step of the strategy went out
]
StopCondition = Literal["paid", "plan_current", "promise_open", "disputed", "opted_out"]
OUTBOUND_CHANNELS = (Channel.whatsapp, Channel.sms, Channel.email, Channel.telegram)


class Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: TriggerKind
    days: int | None = Field(default=None, ge=0, le=3650)
    hours: int | None = Field(default=None, ge=1, le=24 * 90)
    step: str | None = Field(default=None, description="after_step: the earlier step's id")


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    trigger: Trigger
    channels: list[Channel] = Field(
        min_length=1, max_length=4, description="tried in order: the next when one fails"
    )
    template: str = Field(pattern=TEMPLATE_NAME)
    wait_hours: int = Field(
        default=0, ge=0, le=24 * 30, description="at least this long after the previous message"
    )
    stop_when: list[StopCondition] = Field(
        default_factory=lambda: ["paid", "plan_current", "promise_open", "disputed", "opted_out"]
    )


class Segment(BaseModel):
    """Which accounts the strategy takes (empty lists: all)."""

    model_config = ConfigDict(extra="forbid")

    aging_buckets: list[AgingBucket] = Field(default_factory=list)
    min_balance_minor: int = Field(default=0, ge=0)
    max_balance_minor: int | None = Field(default=None, ge=0)
    products: list[str] = Field(default_factory=list, max_length=50)
    segments: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="named segments (segment rules, GET /accounts/{id}/segment) it takes",
    )


class StrategyDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: int = Field(
        default=100, ge=0, le=10_000, description="lower first: the first matching segment wins"
    )
    segment: Segment = Field(default_factory=Segment)
    steps: list[Step] = Field(min_length=1, max_length=30)


class StrategyRead(BaseModel):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    name: str
    version: int
    definition: StrategyDefinition
    created_at: datetime


class PlanLine(BaseModel):
    step: str
    channel: str
    outcome: str = Field(description="planned, deferred or refused")
    rule: str | None = Field(description="the contact rule that moved or held the contact")
    count: int


class PlanPreviewRead(BaseModel):
    portfolio_id: uuid.UUID
    date: date
    paused: bool
    enrolled: int = Field(description="accounts that would join a strategy that day")
    planned: int
    lines: list[PlanLine]


class OutboxRead(BaseModel):
    id: uuid.UUID
    attempt_id: uuid.UUID
    portfolio_id: uuid.UUID
    channel: str
    recipient: str
    subject: str | None
    text: str
    whatsapp_template: str | None
    created_at: datetime


class PauseRead(BaseModel):
    scope: str = Field(description="portfolio:<id> or account:<id>")
    paused: bool


DeliveryStatus = Literal["sent", "delivered", "read", "failed"]


class DeliveryReport(BaseModel):
    """A provider's report on a message sent earlier, as a bot relays it from a signed webhook
    (WhatsApp's ``statuses``)."""

    message_id: str = Field(
        min_length=1, max_length=120, description="the provider's id of the message (wamid)"
    )
    status: DeliveryStatus
    at: datetime = Field(description="when the provider says it happened")
    key: str | None = Field(
        default=None,
        max_length=200,
        description="the contact's key the provider echoed (WhatsApp's biz_opaque_callback_data)",
    )
    error: str | None = Field(default=None, max_length=300, description="why it failed")


MAX_REPORTS = 1000


class DeliveryReports(BaseModel):
    reports: list[DeliveryReport] = Field(min_length=1, max_length=MAX_REPORTS)


class DeliveryResult(BaseModel):
    changed: int = Field(description="how many contacts the reports moved (replays move none)")
