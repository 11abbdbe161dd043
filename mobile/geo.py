"""Where the device is, and how far things are from it.

The app asks a :class:`PositionProvider` for the position; which one depends on where it runs:

* on a phone built with ``flet build``, :class:`GeolocatorProvider` (the ``flet-geolocator``
  extension, when it is installed: it is part of the APK's dependencies);
* in the browser demo and in tests, :class:`FixedPositionProvider`: a position set by hand or
  from ``COBRO_DEMO_POSITION`` (the agent can also move it to a stop, which makes check-ins at
  the door reproducible).

Distances are great-circle metres (haversine), pure Python so the app needs no numpy.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Position:
    """A GPS fix: degrees, horizontal accuracy in metres, and when the device took it."""

    latitude: float
    longitude: float
    accuracy_m: float | None
    at: datetime


class PositionProvider(Protocol):
    async def current(self) -> Position | None:
        """The device's position now, or ``None`` when it cannot be had (no permission,
        no signal)."""
        ...


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle metres between two ``(lat, lon)`` points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


class FixedPositionProvider:
    """A position set by hand: the browser demo's GPS and the tests'."""

    def __init__(self, where: tuple[float, float] | None = None, accuracy_m: float = 10.0) -> None:
        self.where = where
        self.accuracy_m = accuracy_m

    def move_to(self, latitude: float, longitude: float) -> None:
        """Put the device somewhere else."""
        self.where = (latitude, longitude)

    async def current(self) -> Position | None:
        if self.where is None:
            return None
        return Position(self.where[0], self.where[1], self.accuracy_m, datetime.now().astimezone())


def geolocator_available() -> bool:
    """Whether the ``flet-geolocator`` extension is installed (it is in the APK build)."""
    return importlib.util.find_spec("flet_geolocator") is not None


class GeolocatorProvider:
    """The phone's GPS through ``flet_geolocator.Geolocator`` (a Flet service on the page).

    Permission is asked on first use; a refusal or a failure gives ``None`` so the agent can
    still record the visit, which is then saved without a position.
    """

    def __init__(self, geolocator: Any) -> None:
        self._geolocator = geolocator

    async def current(self) -> Position | None:
        try:
            status = await self._geolocator.request_permission()
            if getattr(status, "name", str(status)).upper() in {"DENIED", "DENIED_FOREVER"}:
                return None
            fix = await self._geolocator.get_current_position()
        except Exception:  # a platform error must not stop a visit
            return None
        if fix is None or fix.latitude is None or fix.longitude is None:
            return None
        return Position(
            float(fix.latitude),
            float(fix.longitude),
            float(fix.accuracy) if fix.accuracy is not None else None,
            fix.timestamp or datetime.now().astimezone(),
        )
