"""Which GPS the app uses: the phone's (``flet-geolocator``, part of the APK) when it runs
installed, the browser demo's fixed position on the web, where the app's Python runs on the
server and no geolocator can reach the agent's phone."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from mobile.app import positions_for
from mobile.config import MobileConfig
from mobile.geo import FixedPositionProvider, GeolocatorProvider


@dataclass
class FakePage:
    web: bool


def test_the_installed_app_uses_the_phones_gps() -> None:
    pytest.importorskip("flet_geolocator")
    provider = positions_for(FakePage(web=False), MobileConfig())  # type: ignore[arg-type]
    assert isinstance(provider, GeolocatorProvider)


def test_the_web_app_uses_the_demo_position(monkeypatch: pytest.MonkeyPatch) -> None:
    config = MobileConfig(demo_position=(-12.12, -77.03))
    provider = positions_for(FakePage(web=True), config)  # type: ignore[arg-type]
    assert isinstance(provider, FixedPositionProvider) and provider.where == (-12.12, -77.03)
    # Without the extension (a plain install), even a desktop window falls back to it.
    monkeypatch.setattr("mobile.app.geolocator_available", lambda: False)
    assert isinstance(positions_for(FakePage(web=False), config), FixedPositionProvider)  # type: ignore[arg-type]


class FakeGeolocator:
    def __init__(self, permission: str, fix: object | None) -> None:
        self.permission = permission
        self.fix = fix

    async def request_permission(self) -> object:
        return SimpleNamespace(name=self.permission)

    async def get_current_position(self) -> object | None:
        return self.fix


def test_the_phones_gps_reads_a_fix_and_survives_a_refusal() -> None:
    at = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    fix = SimpleNamespace(latitude=-12.1, longitude=-77.0, accuracy=8.5, timestamp=at)
    position = asyncio.run(GeolocatorProvider(FakeGeolocator("ALWAYS", fix)).current())
    assert position is not None and (position.latitude, position.accuracy_m, position.at) == (
        -12.1,
        8.5,
        at,
    )
    refused = GeolocatorProvider(FakeGeolocator("DENIED_FOREVER", fix))
    assert asyncio.run(refused.current()) is None  # the visit is saved without a position
