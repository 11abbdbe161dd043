"""The field day: which timezone an agent works in, and a local day's bounds in UTC."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from backend.core.errors import ValidationFailed
from backend.field import repository


def agent_timezone(session: Session, agent_id: uuid.UUID) -> str:
    """The timezone of the portfolio holding most of the agent's accounts; else the one most
    portfolios use; else UTC."""
    return timezones_of(session, [agent_id])[agent_id]


def timezones_of(session: Session, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    found = repository.agent_timezones(session, agent_ids)
    missing = [a for a in agent_ids if a not in found]
    fallback = (repository.common_timezone(session) or "UTC") if missing else "UTC"
    return {agent: found.get(agent, fallback) for agent in agent_ids}


def common(timezones: dict[uuid.UUID, str]) -> str:
    """The timezone most of these agents work in (by name on ties)."""
    counts = Counter(timezones.values())
    return min(counts, key=lambda tz: (-counts[tz], tz))


def checked_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("error.invalid_timezone", timezone=name) from None


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC (DST-safe: 23 or 25 hours happen)."""
    zone = checked_zone(timezone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)
