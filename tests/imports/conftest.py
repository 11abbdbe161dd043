"""Fixtures of the import tests that commit."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine


@pytest.fixture
def engine(committed_engine: Engine) -> Engine:
    """A migrated database of the test's own, for imports that really commit."""
    return committed_engine
