from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.core.config import get_settings
from tests.payments.stripe_stub import StripeStub

SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeStub]:
    """Payments go to Stripe (the real library) at a local stub; webhooks use a test secret."""
    with StripeStub() as stub:
        monkeypatch.setenv("STRIPE_API_KEY", "sk_test_local")
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("STRIPE_API_BASE", stub.url)
        get_settings.cache_clear()
        yield stub
    get_settings.cache_clear()
