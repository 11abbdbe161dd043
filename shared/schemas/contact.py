"""Contact rules and the holds they put on contacting a debtor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


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
