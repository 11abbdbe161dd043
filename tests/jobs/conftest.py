"""Runner tests work on a committed database of their own, with the sample jobs loaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from backend.core.config import get_settings

SAMPLE_JOBS = "tests.jobs.sample_jobs"


@pytest.fixture
def jobs_engine(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The default engine (what jobs open) is this test's committed database."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    monkeypatch.setenv("COBRO_JOB_MODULES", SAMPLE_JOBS)
    get_settings.cache_clear()
    yield committed_engine
    get_settings.cache_clear()
