"""The portal's ASGI app and how it is mounted beside the API (``include_portal``).

``create_portal_app(api_factory, secret)``: ``api_factory()`` gives the :class:`BotApi` the
pages call (made on the first request, closed at shutdown); ``secret`` signs the session
cookies and CSRF tokens. The app serves its own stylesheet (``/portal/static/portal.css``) and
nothing else: no script, no font, nothing from another origin, which its
Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`) enforces.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from bots.config import BotSettings, get_bot_settings
from bots.portal.accounts import account_routes
from bots.portal.pages import routes
from bots.portal.session import Sessions
from bots.portal.web import MOUNT, STATIC, FormRefused, page_for
from shared.client.bot import BotApi
from shared.client.errors import ApiUnavailable, AuthError, NotFoundError

logger = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' https:; "
    "base-uri 'none'; frame-ancestors 'none'"
)


class LazyApi:
    """The bot API client, made on first use. Making it contacts nothing: the client mints its
    credential on the first call the API refuses for want of one (``renew``)."""

    def __init__(self, factory: Callable[[], BotApi]) -> None:
        self._factory = factory
        self._api: BotApi | None = None

    def get(self) -> BotApi:
        if self._api is None:
            self._api = self._factory()
        return self._api

    def use(self, api: BotApi) -> None:
        """Serve with ``api`` from now on (tests: a client of the app under test)."""
        self._api = api

    async def aclose(self) -> None:
        if self._api is not None:
            await self._api.aclose()
            self._api = None


def create_portal_app(api_factory: Callable[[], BotApi], secret: str, *, secure: bool) -> FastAPI:
    lazy = LazyApi(api_factory)
    sessions = Sessions(secret, secure=secure)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await lazy.aclose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal_api = lazy
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def policy(request: Request, call_next: Callable) -> Response:  # type: ignore[type-arg]
        request.state.api = lazy.get()
        response: Response = await call_next(request)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    app.include_router(routes(sessions))
    app.include_router(account_routes(sessions))

    def error_page(request: Request, status: int, key: str) -> Response:
        page = page_for(request, sessions)
        return page.html("error.html", status, message=page.t(key))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, _: NotFoundError) -> Response:
        return error_page(request, 404, "portal.error.not_found")

    @app.exception_handler(FormRefused)
    async def refused(request: Request, _: FormRefused) -> Response:
        return error_page(request, 403, "portal.error.form")

    @app.exception_handler(AuthError)
    async def auth(request: Request, exc: AuthError) -> Response:
        if exc.code == "verification_required":  # never verified, or the binding ended
            page = page_for(request, sessions)
            return page.html("verify.html", 401, error=page.t("portal.verify.again"))
        logger.warning("portal: the API refused the portal's credential: %s", exc)
        return error_page(request, 503, "portal.error.unavailable")

    @app.exception_handler(ApiUnavailable)
    async def unavailable(request: Request, exc: ApiUnavailable) -> Response:
        logger.warning("portal: the API is unavailable: %s", exc)
        return error_page(request, 503, "portal.error.unavailable")

    return app


def mount_portal(
    app: FastAPI,
    token: Callable[[], Awaitable[str]],
    secret: str,
    settings: BotSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Serve the portal at ``/portal`` of ``app``, calling the API (in-process over
    ``transport`` when given, else at ``settings.api_url``) with the bot token ``token()``
    gives, asked for when the API first refuses the portal for want of one and again whenever
    it refuses the one it has (a rotated credential)."""

    def factory() -> BotApi:
        # No token yet: the first call is refused (401) and ``token()`` gives one.
        return BotApi.connect(
            settings.api_url if transport is None else settings.public_url,
            token="",
            renew=token,
            transport=transport,
        )

    secure = settings.public_url.startswith("https://")
    app.mount(MOUNT, create_portal_app(factory, secret, secure=secure))


def include_portal(
    api: FastAPI,
    token: Callable[[], str],
    secret: str,
    settings: BotSettings | None = None,
) -> None:
    """Serve the portal at ``/portal`` beside ``api``, calling it in-process through the bot
    API client with ``COBRO_BOT_TOKEN`` or else the token ``token()`` mints (minted again when
    the credential was rotated). ``secret`` signs the sessions (the backend's secret key)."""
    settings = settings or get_bot_settings()

    async def mint() -> str:
        return settings.bot_token or await asyncio.to_thread(token)

    transport = httpx.ASGITransport(app=api)
    mount_portal(api, mint, secret, settings, transport=transport)
