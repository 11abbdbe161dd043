"""The chat webhooks as a service of their own (``cobro bots``).

The same webhooks ``cobro serve`` mounts beside the API, here in a process that reaches the
backend only through the typed client, at ``COBRO_API_URL`` with ``COBRO_BOT_TOKEN``; it needs
no database. With ``COBRO_PORTAL_SECRET`` it serves the self-service portal at ``/portal``
too (``docs/portal.md``). Beside the webhooks: ``/livez`` (the process answers), ``/readyz``
(the bot token is set and the API is ready: 503 otherwise) and ``/metrics``
(``COBRO_METRICS_TOKEN``).
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from bots.app import core_conversation, create_bots_app
from bots.config import BotSettings, get_bot_settings
from bots.portal.app import mount_portal
from shared.client.errors import ApiUnavailable
from shared.observability.metrics import CONTENT_TYPE, exposition, scrape_allowed
from shared.observability.requests import observe

READY_TIMEOUT = 3.0


class BotTokenMissing(RuntimeError):
    """No COBRO_BOT_TOKEN: updates fail (and are delivered again once it is set)."""


def create_app(
    settings: BotSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """``transport`` carries the channels' outbound HTTP (tests)."""
    settings = settings or get_bot_settings()

    def token() -> str:
        if not settings.bot_token:
            raise BotTokenMissing("set COBRO_BOT_TOKEN (cobro bot-token)")
        return settings.bot_token

    app = create_bots_app(core_conversation(settings.api_url, token), settings, transport=transport)
    if settings.portal_secret:

        async def portal_token() -> str:
            if not settings.bot_token:
                raise ApiUnavailable("COBRO_BOT_TOKEN is not set (cobro bot-token)")
            return settings.bot_token

        mount_portal(app, portal_token, settings.portal_secret, settings)
    observe(app)

    @app.get("/livez", include_in_schema=False)
    async def livez() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        if not settings.bot_token:
            return _unready("bot_token_missing", "COBRO_BOT_TOKEN is not set")
        try:
            async with httpx.AsyncClient(timeout=READY_TIMEOUT) as http:
                answer = await http.get(f"{settings.api_url}/readyz")
        except httpx.HTTPError:
            return _unready("api_unreachable", "The API does not answer")
        if answer.status_code != 200:
            return _unready("api_not_ready", "The API is not ready")
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not scrape_allowed(request.headers.get("authorization"), settings.metrics_token):
            return JSONResponse({"code": "forbidden", "message": "Scrape token required"}, 403)
        return Response(exposition(), media_type=CONTENT_TYPE)

    return app


def _unready(code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=503)
