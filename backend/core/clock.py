"""One place to ask for the time, so tests and jobs can pin it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_pinned: datetime | None = None


def utcnow() -> datetime:
    return _pinned if _pinned is not None else datetime.now(UTC)


def today_in(timezone: str) -> date:
    return utcnow().astimezone(ZoneInfo(timezone)).date()


@contextmanager
def pinned(at: datetime) -> Iterator[None]:
    """Meanwhile every :func:`utcnow` and :func:`today_in`, on any thread, answers ``at``
    (for tests of rules that depend on the hour or the weekday). The clock is one per process:
    pin it from one thread, around whatever other threads do."""
    global _pinned
    before, _pinned = _pinned, at.astimezone(UTC)
    try:
        yield
    finally:
        _pinned = before
