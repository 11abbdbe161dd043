"""The ASGI app of the channel webhooks: ``/webhooks/telegram`` and ``/webhooks/whatsapp``.

``create_bots_app(conversation_factory, settings)`` serves on its own, and ``backend/main.py``
includes its routes beside the API on the same address (the lifespan comes along). The
conversation core is injected: ``conversation_factory()`` is an async context manager yielding
a ``Conversation``, entered on the first update and left at shutdown, so nothing reaches the
backend (or Telegram's ``getMe``) before a webhook arrives.

Every update is checked before it is parsed: Telegram's ``X-Telegram-Bot-Api-Secret-Token``
(401 without it), WhatsApp's ``X-Hub-Signature-256`` (401 missing, 403 wrong); a checked body
that is not an update answers 400 (never 500: the platform would redeliver it forever). An
update is answered after its reply was sent; 503 (with ``Retry-After``) when handling failed:
not a fault of the update, and the platform delivers
it again (the core answers a replayed message id once, and a reply that was made but not sent
is sent again as it was); 200 when the platform refused the reply for good (the bot blocked),
which is recorded instead. A channel whose variables are not set answers 404
``channel_not_configured``. Every update is counted in ``cobro_webhooks_total`` by channel and
outcome.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from bots.config import BotSettings, get_bot_settings
from bots.core.engine import ConversationCore
from bots.core.messages import Conversation
from bots.telegram import channel as telegram
from bots.whatsapp import channel as whatsapp
from shared.observability.metrics import counted_webhook

logger = logging.getLogger(__name__)

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
WHATSAPP_SIGNATURE_HEADER = "X-Hub-Signature-256"

ConversationFactory = Callable[[], AbstractAsyncContextManager[Conversation]]


def core_conversation(
    base_url: str,
    token: Callable[[], str],
    *,
    renewable: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ConversationFactory:
    """The conversation core talking to the API at ``base_url`` through its client, with the
    bot token ``token()`` returns (called in a thread: it may touch a database). ``renewable``:
    ``token()`` mints a fresh credential, called again when the API refuses the current one
    (after ``cobro bot-token --rotate``). ``transport``: ``httpx.ASGITransport(app=api)`` when
    the API runs in this process."""

    async def mint() -> str:
        return await asyncio.to_thread(token)

    @asynccontextmanager
    async def factory() -> AsyncIterator[Conversation]:
        secret = await mint()
        core = ConversationCore.connect(
            base_url, token=secret, renew=mint if renewable else None, transport=transport
        )
        try:
            yield core
        finally:
            await core.aclose()

    return factory


class LazyConversation:
    """The factory's conversation, entered on first use (once, however many updates race)."""

    def __init__(self, factory: ConversationFactory) -> None:
        self._factory = factory
        self._stack = AsyncExitStack()
        self._conversation: Conversation | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> Conversation:
        async with self._lock:
            if self._conversation is None:
                self._conversation = await self._stack.enter_async_context(self._factory())
            return self._conversation

    async def aclose(self) -> None:
        await self._stack.aclose()
        self._conversation = None


class BotsRuntime:
    """The configured channels and the conversation they share."""

    def __init__(
        self,
        conversation_factory: ConversationFactory,
        settings: BotSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.conversation = LazyConversation(conversation_factory)
        self.telegram = (
            telegram.TelegramChannel(
                telegram.build_application(settings, transport=transport), self.conversation
            )
            if settings.telegram_configured
            else None
        )
        self.whatsapp = (
            whatsapp.WhatsAppChannel(settings, self.conversation, transport=transport)
            if settings.whatsapp_configured
            else None
        )

    async def aclose(self) -> None:
        if self.telegram:
            await self.telegram.stop()
        if self.whatsapp:
            await self.whatsapp.stop()
        await self.conversation.aclose()


def include_webhooks(
    api: FastAPI, token: Callable[[], str], settings: BotSettings | None = None
) -> None:
    """Serve the webhooks beside ``api`` on its address (their lifespan joins the API's). The
    core reaches ``api`` in-process, through the client and its auth, with ``COBRO_BOT_TOKEN``
    or else the token ``token()`` mints (minted again when the credential was rotated)."""
    settings = settings or get_bot_settings()
    factory = core_conversation(
        settings.public_url,
        (lambda: settings.bot_token) if settings.bot_token else token,
        renewable=not settings.bot_token,
        transport=httpx.ASGITransport(app=api),
    )
    api.include_router(create_bots_app(factory, settings).router)


RETRY_AFTER_SECONDS = 10


def _error(status: int, code: str, message: str, **details: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "details": details or None}, status)


def _update_failed() -> JSONResponse:
    """Handling failed (the backend or the platform unreachable, say): the platform delivers
    the update again later, and the replay is answered once."""
    answer = _error(503, "update_failed", "The update could not be handled; send it again")
    answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return answer


def _not_configured(channel: str) -> JSONResponse:
    return _error(
        404, "channel_not_configured", f"The {channel} channel is not configured", channel=channel
    )


def create_bots_app(
    conversation_factory: ConversationFactory,
    settings: BotSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The webhooks app. ``transport`` carries the channels' outbound HTTP (tests, benchmarks);
    the runtime is ``app.state.bots``."""
    settings = settings or get_bot_settings()
    settings.warn_incomplete()
    runtime = BotsRuntime(conversation_factory, settings, transport=transport)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await runtime.aclose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.bots = runtime

    @app.post("/webhooks/telegram", include_in_schema=False)
    @counted_webhook("telegram")
    async def telegram_webhook(request: Request) -> Response:
        channel = runtime.telegram
        if channel is None:
            return _not_configured("telegram")
        secret = request.headers.get(TELEGRAM_SECRET_HEADER, "").encode()
        if not hmac.compare_digest(secret, settings.telegram_webhook_secret.encode()):
            return _error(401, "webhook_unauthorized", "Missing or wrong secret token")
        try:
            payload = json.loads(await request.body())
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return _error(400, "webhook_malformed", "Not a Telegram update")
        try:
            await channel.process(payload)
        except telegram.MalformedUpdate:
            logger.warning("Telegram update %s malformed: answered 400", payload["update_id"])
            return _error(400, "webhook_malformed", "Not a Telegram update")
        except telegram.UpdateFailed:  # logged with its cause by the channel
            logger.warning(
                "Telegram update %s answered 503 (to be redelivered)", payload["update_id"]
            )
            return _update_failed()
        return Response(status_code=200)

    @app.get("/webhooks/whatsapp", include_in_schema=False)
    async def whatsapp_handshake(request: Request) -> Response:
        channel = runtime.whatsapp
        if channel is None:
            return _not_configured("whatsapp")
        params = request.query_params
        content, status = await channel.verify(
            params.get("hub.verify_token"), params.get("hub.challenge")
        )
        return PlainTextResponse(content, status)

    @app.post("/webhooks/whatsapp", include_in_schema=False)
    @counted_webhook("whatsapp")
    async def whatsapp_webhook(request: Request) -> Response:
        channel = runtime.whatsapp
        if channel is None:
            return _not_configured("whatsapp")
        body = await request.body()
        try:
            content, status = await channel.process(
                body, request.headers.get(WHATSAPP_SIGNATURE_HEADER)
            )
        except whatsapp.UpdateFailed:  # logged with its cause by the channel
            logger.warning("WhatsApp update answered 503 (to be redelivered)")
            return _update_failed()
        return PlainTextResponse(content, status)

    return app
