"""The app in the browser, as an ASGI app mounted by the backend at ``/app``.

Flet's web client (served offline: ``no_cdn``) talks to the app's Python over a websocket at
``/app/ws``; that Python runs in the server process and calls the API at ``COBRO_API_URL``.
Flet is imported only here, inside the functions, so a backend installed without the
``mobile`` extra (the production image) still starts, just without ``/app``.

``create_server`` serves the same app on its own (``cobro field-app``, the compose file's
``app`` service), at ``/app`` too, with ``/livez`` beside it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse

from mobile.config import MobileConfig
from shared.i18n import LANGUAGES, t
from shared.observability.requests import observe

MOUNT_PATH = "/app"


def content_security_policy(config: MobileConfig | None = None) -> str:
    """The Content-Security-Policy of the app's page: Flet's web client is Flutter (its
    scripts and WebAssembly from this server, small inline start-up scripts, a websocket back
    to it) plus the map tiles' server; no framing by other sites. Checked in Chromium by
    ``tests/mobile/test_browser.py``, which fails on any policy violation and on any request
    leaving the page's origin (:mod:`mobile.webclient` keeps Flet's client from asking a CDN
    for Rive's optional runtime)."""
    tiles = urlsplit((config or MobileConfig.from_env()).tiles_url)
    host = tiles.netloc.replace("{s}", "*")  # a template's subdomain placeholder
    tile_origin = f"{tiles.scheme}://{host}" if host else ""
    return (
        "default-src 'self'; "
        "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob: {tile_origin}; "
        "font-src 'self' data:; "
        f"connect-src 'self' {tile_origin}; "
        "worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'"
    )


def available() -> bool:
    """Whether Flet's web server is installed (the ``mobile`` extra)."""
    return importlib.util.find_spec("flet_web") is not None


def create_web_app() -> Any:
    """The web app as an ASGI app serving the Flet client and its websocket at its root:
    the client lightened by :mod:`mobile.webclient` (no maths fonts, compressed files, no
    request to another origin)."""
    import flet as ft

    from mobile import webclient
    from mobile.app import main

    web_dir = webclient.package_web_dir()
    cache = webclient.cache_dir()
    offline = [t("mobile.offline.banner", lang) for lang in LANGUAGES]
    overlay = webclient.build_overlay(web_dir, cache / "overlay", offline)
    flet_app = ft.run(main, export_asgi_app=True, no_cdn=True, assets_dir=str(overlay.resolve()))
    return webclient.lighter(flet_app, web_dir, cache)


def mount(app: FastAPI, path: str = MOUNT_PATH) -> bool:
    """Serve the app under ``path`` of ``app``; ``False`` when Flet is not installed.

    A mounted app's own startup does not run, so Flet's session manager (which expires the
    sessions of closed browser tabs) is started and stopped with ``app``'s lifespan.
    """
    if not available():
        return False
    import flet_web.fastapi as flet_fastapi

    app.mount(path, create_web_app())
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi: FastAPI) -> AsyncIterator[Any]:
        await flet_fastapi.app_manager.start()
        try:
            async with inner(asgi) as state:
                yield state
        finally:
            await flet_fastapi.app_manager.shutdown()

    app.router.lifespan_context = lifespan
    return True


def create_server() -> FastAPI:
    """The field app on its own: ``/app/`` (``/`` leads there) and ``/livez``."""
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    observe(server)

    @server.get("/livez", include_in_schema=False)
    async def livez() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @server.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{MOUNT_PATH}/")

    if not mount(server):
        raise RuntimeError('the field app needs the "mobile" extra (flet[web])')
    return server
