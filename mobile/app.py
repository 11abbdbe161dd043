"""The app's entry point: ``main(page)`` for Flet, and ``python -m mobile.app`` to run it.

Configuration comes from the environment (see :mod:`mobile.config`): ``COBRO_API_URL``,
``COBRO_MAP_TILES_URL``, ``COBRO_PING_SECONDS`` and friends.

``python -m mobile.app`` opens the app in a desktop window; ``python -m mobile.app --web
--port 8550`` serves it to a browser on its own (``make run`` serves it at ``/app`` instead).
"""

from __future__ import annotations

import argparse

import flet as ft

from mobile.config import MobileConfig
from mobile.geo import (
    FixedPositionProvider,
    GeolocatorProvider,
    PositionProvider,
    geolocator_available,
)
from mobile.session import AppContext, http_client_factory
from mobile.vault import vault_for
from mobile.views.shell import Shell


def positions_for(page: ft.Page, config: MobileConfig) -> PositionProvider:
    """The phone's GPS when the geolocator extension is there (APK builds), else the fake GPS
    of the browser demo (``COBRO_DEMO_POSITION`` or the first stop of the day)."""
    if not page.web and geolocator_available():
        import flet_geolocator

        return GeolocatorProvider(flet_geolocator.Geolocator())
    return FixedPositionProvider(config.demo_position)


def forwarded_for(page: ft.Page) -> dict[str, str] | None:
    """In the browser the app's requests leave the server, not the browser: they name the
    browser's address, so the API throttles logins per person and not per server (the API
    trusts the header only from the addresses uvicorn's ``FORWARDED_ALLOW_IPS`` lists,
    127.0.0.1 by default, where this app runs beside it)."""
    if page.web and page.client_ip:
        return {"X-Forwarded-For": page.client_ip}
    return None


async def main(page: ft.Page) -> None:
    """Start one app session on ``page``."""
    config = MobileConfig.from_env()
    ctx = AppContext(
        config=config,
        positions=positions_for(page, config),
        make_client=http_client_factory(config, forwarded_for(page)),
        native=not page.web,
        vault=vault_for(native=not page.web),
    )
    await Shell(page, ctx).start()


def run() -> None:
    parser = argparse.ArgumentParser(description="Cobro field agent app")
    parser.add_argument("--web", action="store_true", help="serve to a browser")
    parser.add_argument("--port", type=int, default=8550)
    args = parser.parse_args()
    view = ft.AppView.WEB_BROWSER if args.web else ft.AppView.FLET_APP
    ft.run(main, view=view, port=args.port, no_cdn=True)


if __name__ == "__main__":
    run()
