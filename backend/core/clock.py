"""One place to ask for the time, so tests and jobs can pin it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()
