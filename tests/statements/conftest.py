from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.core.config import get_settings


@pytest.fixture(autouse=True)
def builtin_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Payment links are served by the built-in provider (no network)."""
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    monkeypatch.setenv("COBRO_PAYMENT_PROVIDER", "builtin")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
