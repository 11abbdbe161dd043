"""Contact rules and the holds they put on contacting a debtor."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class AttemptStatus(StrEnum):
    planned = "planned"
    sending = "sending"  # claimed by a worker; back to planned if its lease runs out
    sent = "sent"
    delivered = "delivered"
    read = "read"
    failed = "failed"
    done = "done"  # a contact in person or by phone that happened
    deferred = "deferred"
    refused = "refused"
    cancelled = "cancelled"  # planned, then stopped before sending (paid, disputed, paused)


#: Statuses of contacts that happened or will: the ones caps and spacings count.
COUNTED_STATUSES = frozenset(
    {
        AttemptStatus.planned,
        AttemptStatus.sending,
        AttemptStatus.sent,
        AttemptStatus.delivered,
        AttemptStatus.read,
        AttemptStatus.done,
    }
)


class ContactRulesRead(BaseModel):
    portfolio_id: uuid.UUID
    country: str
    overrides: dict[str, Any] = Field(description="the portfolio's changes to its country's rules")
    effective: dict[str, Any] = Field(description="the rules applied: the country's and overrides")


class ContactHold(BaseModel):
    """Why a debtor may not be contacted now: the rule, and when it lets go (None: until
    something changes, such as a dispute being resolved)."""

    rule: str = Field(
        description="hours, holiday, cap_day, cap_week, cap_rolling_7d, spacing, "
        "channels_per_week, opted_out, disputed, not_authorised, no_hours"
    )
    until: datetime | None = None


class ContactDecisionRead(BaseModel):
    outcome: str = Field(description="allowed, deferred or refused")
    at: datetime | None = Field(description="the time asked (allowed) or the earliest allowed")
    rule: str | None = Field(description="the rule holding it back, when not allowed")


class ContactAttemptRead(BaseModel):
    id: uuid.UUID
    debtor_id: uuid.UUID
    account_id: uuid.UUID | None
    channel: str
    source: str
    at: datetime
    status: AttemptStatus
    rule: str | None
    until: datetime | None
    outcome: str | None
    created_at: datetime
