"""The Telegram adapter: PTB updates in, ``Incoming`` to the core, its ``Reply`` sent back.

Only private chats are served (a debt is nobody else's business): group messages are ignored.
Mapping: a message's text -> ``text``; ``/start <token>`` -> ``deep_link``; an inline keyboard
press -> ``choice`` (the press is acknowledged first so the client stops its spinner); a photo
or a document -> ``media`` a voucher (downloaded through PTB only if the core keeps it), its
caption as ``text``; a voice note, audio, video, sticker, location or contact -> ``media`` the
core answers politely. Message ids are ``"<chat id>:<message id>"`` and ``"cb:<callback query
id>"``: stable when Telegram delivers an update again, so the core answers a replay once.

A reply Telegram refuses because the person blocked the bot (403 Forbidden) is kept with the
claim as not delivered, reported through the core (``Conversation.unreachable``: the chat is
unlinked from its debtors until they write again) and the webhook answers 200: Telegram would
otherwise redeliver the update forever. An update that is not one (a malformed body with a
valid secret) raises :class:`MalformedUpdate` (400).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from telegram import Message, Update
from telegram.constants import ChatType, UpdateType
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bots.config import BotSettings
from bots.core.messages import Conversation, Incoming, Media, Reply, TurnFailed
from bots.telegram.ratelimit import RetryAfterLimiter
from bots.telegram.render import keyboard

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = (UpdateType.MESSAGE, UpdateType.CALLBACK_QUERY)

ConversationSource = Callable[[], Awaitable[Conversation]]

# The errors raised while one update is processed, so a webhook can answer 503 (PTB itself
# hands handler errors to error handlers and carries on).
_failures: contextvars.ContextVar[list[BaseException]] = contextvars.ContextVar("tg_failures")


class UpdateFailed(Exception):
    """Handling an update raised; the webhook answers 503 so Telegram delivers it again."""


class MalformedUpdate(ValueError):
    """A body with the right secret that PTB cannot read as an update; the webhook answers 400."""


def _api_root(settings: BotSettings) -> str:
    """The Bot API server root (a ``.../bot`` given in PTB's style is accepted too)."""
    return settings.telegram_api_base_url.removesuffix("/bot")


def build_application(
    settings: BotSettings,
    *,
    webhook: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    limiter: RetryAfterLimiter | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """An Application for ``settings``' bot; ``webhook`` leaves out the polling updater."""

    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": transport} if transport else None)

    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(f"{_api_root(settings)}/bot")  # PTB appends the token
        .base_file_url(f"{_api_root(settings)}/file/bot")
        .request(request())
        .get_updates_request(request())
        .rate_limiter(limiter or RetryAfterLimiter())
    )
    if webhook:
        builder = builder.updater(None)
    return builder.build()


class TelegramChannel:
    """One bot: handlers that turn updates into ``Incoming`` and send the core's replies."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        conversation: ConversationSource,
    ) -> None:
        self.application = application
        self._conversation = conversation
        private = filters.ChatType.PRIVATE
        application.add_handler(CommandHandler("start", self._on_start, filters=private))
        application.add_handler(CallbackQueryHandler(self._on_press))
        application.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, self._on_text))
        application.add_error_handler(self._on_error)
        self._started = False
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Initialize the bot (one ``getMe``) on first use; later calls return at once."""
        async with self._lock:
            if not self._started:
                await self.application.initialize()
                self._started = True

    async def stop(self) -> None:
        """Release the bot's HTTP connections."""
        if self._started:
            await self.application.shutdown()
            self._started = False

    async def process(self, payload: dict[str, Any]) -> None:
        """Handle one update in the Bot API's JSON; raises ``UpdateFailed`` if handling raised."""
        await self.start()
        try:
            update = Update.de_json(payload, self.application.bot)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise MalformedUpdate(f"update {payload.get('update_id')}") from exc
        failures: list[BaseException] = []
        token = _failures.set(failures)
        try:
            await self.application.process_update(update)
        finally:
            _failures.reset(token)
        if failures:
            raise UpdateFailed(f"update {update.update_id}") from failures[0]

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and update.effective_chat is not None
        token = context.args[0] if context.args else None
        await self._converse(
            update,
            message_id=f"{message.chat_id}:{message.message_id}",
            text="" if token else (message.text or ""),
            deep_link=token,
        )

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        text = message.text or message.caption or ""
        await self._converse(
            update,
            message_id=f"{message.chat_id}:{message.message_id}",
            text=text,
            media=_media(message),
        )

    async def _on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE or not query.data:
            return
        try:
            await query.answer()
        except TelegramError as error:  # an old press (redelivered late) can't be answered
            logger.info("Telegram callback %s not acknowledged: %s", query.id, error)
        await self._converse(update, message_id=f"cb:{query.id}", choice=query.data)

    async def _converse(
        self,
        update: Update,
        *,
        message_id: str,
        text: str = "",
        choice: str | None = None,
        deep_link: str | None = None,
        media: Media | None = None,
    ) -> None:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        incoming = Incoming(
            channel="telegram",
            user_id=str(chat.id),
            message_id=message_id,
            text=text,
            choice=choice,
            deep_link=deep_link,
            language_hint=user.language_code if user else None,
            media=media,
            settles=True,
        )
        conversation = await self._conversation()
        reply = await conversation.handle(incoming)
        if reply.duplicate:
            return
        if reply.retry and _failures.get(None) is not None:  # a webhook: Telegram redelivers
            await conversation.settle(incoming, delivered=False)
            raise TurnFailed(f"Telegram message {message_id}")
        try:
            await self.send(chat.id, reply)
        except Forbidden as blocked:  # the person blocked the bot: redelivering cannot help
            await conversation.settle(incoming, delivered=False)
            await conversation.unreachable("telegram", str(chat.id), "blocked", blocked.message)
            logger.warning("Telegram chat %s blocked the bot: %s", chat.id, blocked.message)
            return
        except Exception:
            await conversation.settle(incoming, delivered=False)
            raise
        await conversation.settle(incoming, delivered=True)

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Send a reply's messages in order (nothing for a replayed update)."""
        if reply.duplicate:
            return
        rendered = [(outgoing.text, keyboard(outgoing)) for outgoing in reply.messages]
        for text, markup in rendered:
            await self.application.bot.send_message(chat_id, text, reply_markup=markup)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        failures = _failures.get(None)
        if failures is not None:
            failures.append(context.error or RuntimeError("unknown error"))
        logger.error("Telegram update failed", exc_info=context.error)


def _media(message: Message) -> Media | None:
    """What a message carries besides text: a photo or a document (fetched through PTB only if
    the core keeps it), or something the bot cannot read."""
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return Media(
            "image", "image/jpeg", "photo.jpg", size=photo.file_size, fetch=_fetcher(photo)
        )
    if document := message.document:
        return Media(
            "document",
            document.mime_type or "",
            document.file_name or "",
            size=document.file_size,
            fetch=_fetcher(document),
        )
    for kind, present in (
        ("voice", message.voice or message.video_note),
        ("audio", message.audio),
        ("video", message.video or message.animation),
        ("sticker", message.sticker),
        ("location", message.location or message.venue),
        ("contact", message.contact),
    ):
        if present:
            return Media(kind)  # type: ignore[arg-type]
    return None if message.text is not None else Media("other")


def _fetcher(item: Any) -> Callable[[], Awaitable[bytes]]:
    async def fetch() -> bytes:
        file = await item.get_file()
        return bytes(await file.download_as_bytearray())

    return fetch
