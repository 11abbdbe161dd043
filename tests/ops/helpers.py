"""Reading this process's metrics and access log lines in tests."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY


def sample(name: str, **labels: str) -> float:
    """A sample's value now (0 before its first observation): compare before and after."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The request middleware's events (structlog hands the standard library its dicts)."""
    return [record.msg for record in caplog.records if record.name == "cobro.access"]  # type: ignore[misc]
