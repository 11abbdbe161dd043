"""The API tests' small world (two teams, their debtors and accounts), and a clean read log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.privacy import reads
from tests.api.conftest import World, world  # noqa: F401  (the fixture)

__all__ = ["World"]


@pytest.fixture(autouse=True)
def empty_read_log() -> Iterator[None]:
    """Reads other tests noted (the log is one per process) are not this test's."""
    reads.LOG.take()
    yield
    reads.LOG.take()
