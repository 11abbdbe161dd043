"""The WhatsApp adapter: pywa parses signed webhooks, the core answers, the sender replies.

Our own routes call pywa's custom-server entry points: ``webhook_update_validator`` checks
``X-Hub-Signature-256`` on the raw body before anything is parsed; the checked body is cut into
one update per message (``envelope.split``: a malformed envelope answers 400; payloads in the
older shape, without ``contacts[].user_id``, and a batch's later messages are read too), and
``webhook_update_handler`` dispatches each to the handlers below. Mapping: text -> ``text``; a
reply button, a template's quick reply or a list row -> ``choice`` (its id); an image or a
document -> ``media`` a voucher (downloaded through pywa only if the core keeps it), with its
caption as ``text``; audio, video, stickers, locations, contacts -> ``media`` the core answers
politely; reactions are left unanswered. The wamid is the ``message_id``; the person is
addressed by phone (``wa_id``), by business-scoped user id when WhatsApp hides the phone.

A reply Meta refuses for good (131026 undeliverable, 131047 outside the 24-hour window, or our
own window check) is kept with the claim as not delivered, reported through the core
(``Conversation.unreachable``: recorded on the chat and its debtors' channel) and answered 200:
redelivering cannot help. Failed delivery statuses with those errors are reported the same way.

Raw updates are read too: messages no handler saw are counted as ``unparsed`` and failed
deliveries are recorded, both logged. Delivery statuses (``statuses``: sent, delivered, read,
failed) are read from the raw update (``statuses.read_statuses``) and relayed through the core
to the backend, which moves the reminders they report on; when relaying fails the webhook
answers 503 and Meta delivers the statuses again (a replay changes nothing there).
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
from pywa_async.errors import MessageUndeliverable, ReEngagementMessage, WhatsAppError
from pywa_async.utils import UserIdentifier

from bots.config import BotSettings
from bots.core.messages import (
    Conversation,
    Incoming,
    Media,
    MediaKind,
    TurnFailed,
    UnreachableReason,
)
from bots.whatsapp.envelope import Malformed, split
from bots.whatsapp.sender import OutsideServiceWindow, WhatsAppSender
from bots.whatsapp.statuses import read_statuses, values
from bots.whatsapp.transport import BaseUrlTransport
from bots.whatsapp.window import Clock, ServiceWindow, utcnow

logger = logging.getLogger(__name__)

ConversationSource = Callable[[], Awaitable[Conversation]]


class UpdateFailed(Exception):
    """Handling an update raised; the webhook answers 503 so Meta delivers it again."""


# Meta's refusals of a message that no redelivery can change, as the backend records them.
REFUSED: dict[int, UnreachableReason] = {131026: "undeliverable", 131047: "window_closed"}
# Messages that ask nothing (a reaction, an edit, a deletion, a system notice): unanswered.
UNANSWERED = frozenset(
    {
        types.MessageType.REACTION,
        types.MessageType.EDIT,
        types.MessageType.REVOKE,
        types.MessageType.SYSTEM,
    }
)
# What each message type is for the core (text and interactive replies are not media).
MEDIA_KINDS: dict[types.MessageType, MediaKind] = {
    types.MessageType.IMAGE: "image",
    types.MessageType.DOCUMENT: "document",
    types.MessageType.AUDIO: "voice",
    types.MessageType.VIDEO: "video",
    types.MessageType.STICKER: "sticker",
    types.MessageType.LOCATION: "location",
    types.MessageType.CONTACTS: "contact",
}


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
    malformed: int = 0  # signed, but not a webhook envelope (400)
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
        """Check the signature of the raw body, then dispatch each of its updates. A forged
        body is answered 401/403 unread, a malformed one 400; ``UpdateFailed`` when a handler
        raised (after every update was handled)."""
        refused = await self.wa.webhook_update_validator(body, signature)
        if refused is not None:
            self.stats.rejected += 1
            return refused
        try:
            pieces = split(body)
        except Malformed as exc:
            self.stats.malformed += 1
            logger.warning("WhatsApp: malformed webhook body refused (%s)", exc)
            return "Bad Request", 400
        errors: list[BaseException] = []
        for piece in pieces:
            update = _Update()
            token = _current.set(update)
            try:
                await self.wa.webhook_update_handler(piece)
            finally:
                _current.reset(token)
            errors += update.errors
        if errors:
            raise UpdateFailed("WhatsApp update") from errors[0]
        return "ok", 200

    async def stop(self) -> None:
        """Release the Cloud API connections."""
        await self._session.aclose()

    async def _on_message(self, _: WhatsApp, msg: types.Message) -> None:
        if msg.type == types.MessageType.TEXT:
            await self._converse(msg.from_user, msg.id, msg.timestamp, text=msg.text or "")
        elif msg.type == types.MessageType.REQUEST_WELCOME:  # opened the chat: greet them
            await self._converse(msg.from_user, msg.id, msg.timestamp)
        elif msg.type in UNANSWERED:
            _seen()
        else:
            caption = msg.caption or ""
            await self._converse(
                msg.from_user, msg.id, msg.timestamp, text=caption, media=_media(msg)
            )

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
        media: Media | None = None,
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
                media=media,
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
                except (OutsideServiceWindow, MessageUndeliverable, ReEngagementMessage) as exc:
                    # Refused for good: the reply is kept, the chat recorded, Meta told 200.
                    await conversation.settle(incoming, delivered=False)
                    await conversation.unreachable("whatsapp", user_id, *_refusal(exc))
                    logger.warning("WhatsApp message %s: reply refused (%s)", message_id, exc)
                    return
                except Exception:
                    await conversation.settle(incoming, delivered=False)
                    raise
                await conversation.settle(incoming, delivered=True)
        except Exception as error:  # pywa would log and answer 200; we answer 503
            logger.exception("WhatsApp message %s failed", message_id)
            current = _current.get(None)
            if current is not None:
                current.errors.append(error)

    async def _on_raw(self, _: WhatsApp, raw: types.RawUpdate) -> None:
        messages = 0
        refused: list[DeliveryFailure] = []
        for value in values(raw, self.wa.phone_id):
            messages += len(value.get("messages", ()))
            for status in value.get("statuses", ()):
                if status.get("status") == "failed":
                    failure = self._record_failure(status)
                    if failure.code in REFUSED and failure.recipient:
                        refused.append(failure)
        current = _current.get(None)
        unparsed = messages - (current.seen if current else 0)
        if unparsed > 0:
            self.stats.unparsed += unparsed
            logger.error("WhatsApp: %d message(s) in an update pywa could not read", unparsed)
        await self._relay_statuses(raw)
        await self._report_refused(refused)

    async def _report_refused(self, failures: list[DeliveryFailure]) -> None:
        """Chats Meta says cannot be reached (undeliverable, window closed): recorded through
        the core; a failed report answers 503 so Meta tells us again."""
        for failure in failures:
            try:
                conversation = await self._conversation()
                code = failure.code or 0
                detail = f"whatsapp {code}: {failure.title}"
                await conversation.unreachable("whatsapp", failure.recipient, REFUSED[code], detail)
            except Exception as error:  # pywa would log and answer 200; we answer 503
                logger.exception("WhatsApp: refusal for %s not recorded", failure.recipient)
                current = _current.get(None)
                if current is not None:
                    current.errors.append(error)

    async def _relay_statuses(self, raw: types.RawUpdate) -> None:
        """Hand the update's delivery statuses to the backend (through the core)."""
        reports = read_statuses(raw, self.wa.phone_id)
        if not reports:
            return
        try:
            conversation = await self._conversation()
            await conversation.report_deliveries(reports)
        except Exception as error:  # pywa would log and answer 200; we answer 503
            logger.exception("WhatsApp: %d delivery status(es) not relayed", len(reports))
            current = _current.get(None)
            if current is not None:
                current.errors.append(error)

    def _record_failure(self, status: dict[str, Any]) -> DeliveryFailure:
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
        return failure


def _media(msg: types.Message) -> Media:
    """What a non-text message carries; photos and documents can be fetched (pywa downloads
    them from the Cloud API only when the core keeps them)."""
    kind = MEDIA_KINDS.get(msg.type, "other")
    if msg.type == types.MessageType.AUDIO and msg.audio is not None and not msg.audio.voice:
        kind = "audio"
    item = msg.image if kind == "image" else msg.document if kind == "document" else None
    if item is None:
        return Media(kind)
    filename = getattr(item, "filename", None) or ""
    return Media(kind, item.mime_type or "", filename, fetch=item.get_bytes)


def _refusal(error: Exception) -> tuple[UnreachableReason, str]:
    if isinstance(error, WhatsAppError):
        return REFUSED.get(error.code, "undeliverable"), f"whatsapp {error.code}: {error.message}"
    return "window_closed", "the 24-hour window is closed"


def _seen() -> None:
    current = _current.get(None)
    if current is not None:
        current.seen += 1
