"""Hourly clean-up of session bookkeeping: expired refresh tokens (a spent or revoked token
is kept until it expires, so that presenting it again is still recognised as reuse) and login
throttles with nothing left to count."""

from __future__ import annotations

from datetime import timedelta

from backend.auth import repository
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.jobs.registry import job


def clean_up() -> tuple[int, int]:
    """Refresh tokens and throttles deleted."""
    now = utcnow()
    window = timedelta(seconds=get_settings().login_window_seconds)
    with session_scope() as session:
        return repository.delete_stale(session, now, now - window)


@job("auth.clean_up", cron="40 * * * *")
def clean_up_job() -> None:
    clean_up()
