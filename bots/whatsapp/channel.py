"""The WhatsApp adapter: pywa parses signed webhooks, the core answers, the sender replies.

Our own routes call pywa's custom-server entry points: ``webhook_update_validator`` checks
``X-Hub-Signature-256`` on the raw body before anything is parsed, ``webhook_update_handler``
dispatches to the handlers below. Mapping: text -> ``text``; a reply button, a template's quick
reply or a list row -> ``choice`` (its id); the wamid -> ``message_id``; the person is addressed
by phone (``wa_id``), by business-scoped user id when WhatsApp hides the phone.

pywa answers 200 even when it cannot read an update (payloads without ``contacts[].user_id``,
failed delivery statuses, which carry no ``contacts``); so raw updates are read too: messages
no handler saw are counted as ``unparsed`` and failed deliveries are recorded, both logged.

Delivery statuses (``statuses``: sent, delivered, read, failed) are read from the raw update
too (``statuses.read_statuses``) and relayed through the core to the backend, which moves the
reminders they report on; when relaying fails the webhook answers 500 and Meta delivers the
statuses again (a replay changes nothing there).
"""

from __future__ import annotations

import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pywa_async import WhatsApp, handlers, types
from pywa_async.utils import UserIdentifier

from bots.config import BotSettings
from bots.core.messages import Conversation, Incoming, TurnFailed
from bots.whatsapp.sender import OutsideServiceWindow, WhatsAppSender
from bots.whatsapp.statuses import read_statuses, values
from bots.whatsapp.transport import BaseUrlTransport
from bots.whatsapp.window import Clock, ServiceWindow, utcnow

logger = logging.getLogger(__name__)

ConversationSource = Callable[[], Awaitable[Conversation]]


class UpdateFailed(Exception):
    """Handling an update raised; the webhook answers 500 so Meta delivers it again."""


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    message_id: str
    recipient: str
    code: int | None
    title: str
    at: datetime


@dataclass
class WebhookStats:
    """What the webhook saw that pywa alone would have dropped silently."""

    rejected: int = 0  # missing or wrong signature
    unparsed: int = 0  # messages no handler received (pywa could not read them)
    failed_deliveries: int = 0
    recent_failures: deque[DeliveryFailure] = field(default_factory=lambda: deque(maxlen=1000))


@dataclass
class _Update:
    """Per-update bookkeeping shared by the handlers of one webhook call."""

    seen: int = 0  # messages a handler received
    errors: list[BaseException] = field(default_factory=list)


_current: contextvars.ContextVar[_Update] = contextvars.ContextVar("wa_update")


def build_client(settings: BotSettings, session: httpx.AsyncClient) -> WhatsApp:
    """A pywa client for ``settings``' number, sending through ``session``."""
    return WhatsApp(
        phone_id=settings.whatsapp_phone_number_id,
        token=settings.whatsapp_token,
        session=session,
        verify_token=settings.whatsapp_verify_token,
        app_secret=settings.whatsapp_app_secret,
        validate_updates=True,
        skip_duplicate_updates=False,  # in memory only: the core answers replays once
        user_identifier_priority=(
            UserIdentifier.WA_ID,
            UserIdentifier.BSUID,
            UserIdentifier.PARENT_BSUID,
        ),
    )


class WhatsAppChannel:
    """One WhatsApp number: pywa's handlers feed the core; the sender answers."""

    def __init__(
        self,
        settings: BotSettings,
        conversation: ConversationSource,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
    ) -> None:
        # pywa points the session at Meta's Graph API; the transport sends it to our base URL.
        self._session = httpx.AsyncClient(
            transport=BaseUrlTransport(
                settings.whatsapp_api_base_url, transport or httpx.AsyncHTTPTransport()
            ),
            timeout=15.0,
        )
        self.wa = build_client(settings, self._session)
        self.sender = WhatsAppSender(self.wa, ServiceWindow(clock=clock))
        self.stats = WebhookStats()
        self._conversation = conversation
        self.wa.add_handlers(
            handlers.MessageHandler(self._on_message),
            handlers.CallbackButtonHandler(self._on_button),
            handlers.CallbackSelectionHandler(self._on_selection),
            handlers.RawUpdateHandler(self._on_raw),
        )

    async def verify(self, verify_token: str | None, challenge: str | None) -> tuple[str, int]:
        """The subscription handshake: the challenge back when the verify token matches."""
        content, status = await self.wa.webhook_challenge_handler(vt=verify_token, ch=challenge)
        return content or "", status

    async def process(self, body: bytes, signature: str | None) -> tuple[str, int]:
        """Check the signature of the raw body, then dispatch it. A forged update is answered
        401/403 unread; ``UpdateFailed`` when a handler raised."""
        refused = await self.wa.webhook_update_validator(body, signature)
        if refused is not None:
            self.stats.rejected += 1
            return refused
        update = _Update()
        token = _current.set(update)
        try:
            content, status = await self.wa.webhook_update_handler(body)
        finally:
            _current.reset(token)
        if update.errors:
            raise UpdateFailed("WhatsApp update") from update.errors[0]
        return content, status

    async def stop(self) -> None:
        """Release the Cloud API connections."""
        await self._session.aclose()

    async def _on_message(self, _: WhatsApp, msg: types.Message) -> None:
        if msg.type != types.MessageType.TEXT:
            _seen()
            logger.info("WhatsApp %s message %s ignored", msg.type, msg.id)
            return
        await self._converse(msg.from_user, msg.id, msg.timestamp, text=msg.text or "")

    async def _on_button(self, _: WhatsApp, button: types.CallbackButton) -> None:
        await self._converse(button.from_user, button.id, button.timestamp, choice=button.data)

    async def _on_selection(self, _: WhatsApp, selection: types.CallbackSelection) -> None:
        await self._converse(
            selection.from_user, selection.id, selection.timestamp, choice=selection.data
        )

    async def _converse(
        self,
        user: types.User,
        message_id: str,
        at: datetime,
        *,
        text: str = "",
        choice: str | None = None,
    ) -> None:
        _seen()
        user_id = user.wa_id or user.bsuid
        try:
            self.sender.window.record_inbound(user_id, at)
            incoming = Incoming(
                channel="whatsapp",
                user_id=user_id,
                message_id=message_id,
                text=text,
                choice=choice,
                settles=True,
            )
            conversation = await self._conversation()
            reply = await conversation.handle(incoming)
            if reply.retry:  # Meta delivers the message again after a 5xx
                await conversation.settle(incoming, delivered=False)
                raise TurnFailed(f"WhatsApp message {message_id}")
            if not reply.duplicate:
                try:
                    await self.sender.send_reply(user_id, reply)
                except Exception:
                    await conversation.settle(incoming, delivered=False)
                    raise
                await conversation.settle(incoming, delivered=True)
        except OutsideServiceWindow:  # a redelivery of a message older than 24 hours
            logger.warning("WhatsApp message %s: window closed, reply not sent", message_id)
        except Exception as error:  # pywa would log and answer 200; we answer 500
            logger.exception("WhatsApp message %s failed", message_id)
            current = _current.get(None)
            if current is not None:
                current.errors.append(error)

    async def _on_raw(self, _: WhatsApp, raw: types.RawUpdate) -> None:
        messages = 0
        for value in values(raw, self.wa.phone_id):
            messages += len(value.get("messages", ()))
            for status in value.get("statuses", ()):
                if status.get("status") == "failed":
                    self._record_failure(status)
        current = _current.get(None)
        unparsed = messages - (current.seen if current else 0)
        if unparsed > 0:
            self.stats.unparsed += unparsed
            logger.error("WhatsApp: %d message(s) in an update pywa could not read", unparsed)
        await self._relay_statuses(raw)

    async def _relay_statuses(self, raw: types.RawUpdate) -> None:
        """Hand the update's delivery statuses to the backend (through the core)."""
        reports = read_statuses(raw, self.wa.phone_id)
        if not reports:
            return
        try:
            conversation = await self._conversation()
            await conversation.report_deliveries(reports)
        except Exception as error:  # pywa would log and answer 200; we answer 500
            logger.exception("WhatsApp: %d delivery status(es) not relayed", len(reports))
            current = _current.get(None)
            if current is not None:
                current.errors.append(error)

    def _record_failure(self, status: dict[str, Any]) -> None:
        error = (status.get("errors") or [{}])[0]
        failure = DeliveryFailure(
            message_id=str(status.get("id", "")),
            recipient=str(status.get("recipient_id") or status.get("recipient_user_id") or ""),
            code=error.get("code"),
            title=str(error.get("title") or error.get("message") or ""),
            at=datetime.fromtimestamp(int(status.get("timestamp", 0)), UTC),
        )
        self.stats.failed_deliveries += 1
        self.stats.recent_failures.append(failure)
        logger.warning(
            "WhatsApp delivery failed: message %s to %s, error %s %s",
            failure.message_id,
            failure.recipient,
            failure.code,
            failure.title,
        )


def _seen() -> None:
    current = _current.get(None)
    if current is not None:
        current.seen += 1
