"""The app's settings, read once from the environment (``flet build`` can bake them in).

======================== ============================================ ==========================
variable                 meaning                                      default
======================== ============================================ ==========================
COBRO_API_URL            the backend's root URL                       http://127.0.0.1:8000
COBRO_MAP_TILES_URL      map tile template with {z}/{x}/{y}           OpenStreetMap's tiles
COBRO_PING_SECONDS       seconds between location pings on shift      60
COBRO_VISIT_FAR_METERS   check-ins farther than this are flagged      300
COBRO_SYNC_SECONDS       seconds between background syncs             30
COBRO_MOBILE_DATA_DIR    where the per-user SQLite stores live        see :func:`data_dir`
COBRO_DEMO_POSITION      "lat,lon" of the fake GPS (browser, demo)    unset: first stop
======================== ============================================ ==========================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass(frozen=True, slots=True)
class MobileConfig:
    """What the app needs to know about its surroundings."""

    api_url: str = DEFAULT_API_URL
    tiles_url: str = DEFAULT_TILES_URL
    ping_seconds: int = 60
    far_visit_m: int = 300
    sync_seconds: int = 30
    data_dir: Path = Path("var/mobile")
    demo_position: tuple[float, float] | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> MobileConfig:
        """The configuration from ``env`` (default: the process environment)."""
        values = os.environ if env is None else env
        return cls(
            api_url=values.get("COBRO_API_URL", DEFAULT_API_URL).rstrip("/"),
            tiles_url=values.get("COBRO_MAP_TILES_URL", DEFAULT_TILES_URL),
            ping_seconds=max(5, int(values.get("COBRO_PING_SECONDS", "60"))),
            far_visit_m=max(1, int(values.get("COBRO_VISIT_FAR_METERS", "300"))),
            sync_seconds=max(5, int(values.get("COBRO_SYNC_SECONDS", "30"))),
            data_dir=data_dir(values),
            demo_position=_position(values.get("COBRO_DEMO_POSITION")),
        )


def data_dir(env: dict[str, str] | os._Environ[str]) -> Path:
    """``COBRO_MOBILE_DATA_DIR``, else the app's private data directory on a device (Flet sets
    ``FLET_APP_STORAGE_DATA``), else ``var/mobile`` under the working directory (the browser
    app served by ``make run``, whose Python runs on the server)."""
    chosen = env.get("COBRO_MOBILE_DATA_DIR") or env.get("FLET_APP_STORAGE_DATA")
    return Path(chosen) if chosen else Path("var") / "mobile"


def _position(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    lat, _, lon = text.partition(",")
    return float(lat), float(lon)
