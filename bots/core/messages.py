"""The channel-agnostic contract between the channel adapters and the conversation core.

Adapters (Telegram, WhatsApp, Rasa, the terminal simulator) turn a channel update into an
``Incoming`` and hand it to ``Conversation.handle``; they render each ``Outgoing`` with the
channel's widgets (inline keyboards, reply buttons, lists) and send it. The core never sees a
channel library, and adapters never decide anything about debts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from shared.schemas.outbound import DeliveryReport

ChatChannel = Literal["whatsapp", "telegram", "rasa", "simulator"]
MediaKind = Literal[
    "image", "document", "voice", "audio", "video", "sticker", "location", "contact", "other"
]
UnreachableReason = Literal["blocked", "undeliverable", "window_closed"]


@dataclass(frozen=True, slots=True)
class Media:
    """What a message carried besides text. ``fetch`` downloads a photo's or a document's bytes
    from the platform (called by the core only when it keeps them, as a payment voucher)."""

    kind: MediaKind
    mime_type: str = ""
    filename: str = ""
    size: int | None = None  # as the platform announced it, when it did
    fetch: Callable[[], Awaitable[bytes]] | None = None

    @property
    def is_voucher(self) -> bool:
        """A photo or a document: what a payment voucher arrives as."""
        return self.kind in ("image", "document") and self.fetch is not None


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: ChatChannel
    user_id: str  # the channel's stable id for the person (Telegram chat id, WhatsApp wa_id)
    message_id: str  # the channel's id for this message: replays are answered once
    text: str = ""  # what the person typed ("" for a button press)
    choice: str | None = None  # the id of the button or list row pressed
    deep_link: str | None = None  # a signed start token (t.me/bot?start=..., wa.me prefill)
    language_hint: str | None = None  # the client's language, if the channel tells it
    media: Media | None = None  # a photo, document, voice note, sticker, location...
    # The adapter calls ``Conversation.settle`` once the reply was sent (the webhook channels):
    # the turn's state is then stored with that settlement, in one call, and only when the
    # reply was delivered (a redelivery starts again from where the chat was).
    settles: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    id: str  # stable, machine-readable ("pay:balance", "offer:<uuid>", "lang:en")
    label: str  # shown to the person, already translated


@dataclass(frozen=True, slots=True)
class Outgoing:
    text: str
    buttons: tuple[Button, ...] = ()
    # More than three options (WhatsApp's button limit) are sent as a list with this title.
    list_title: str | None = None
    url: str | None = None  # a payment link to show as a URL button where the channel can


@dataclass(slots=True)
class Reply:
    messages: list[Outgoing] = field(default_factory=list)
    duplicate: bool = False  # the message id was handled before: send nothing
    # The turn failed (the API unreachable or failing, an unexpected error): the messages are an
    # apology for channels that cannot redeliver; webhook channels send nothing, release the
    # claim and answer 5xx so the platform delivers the message again.
    retry: bool = False


class TurnFailed(Exception):
    """Raised by a webhook adapter for a ``Reply(retry=True)``: the claim was released and the
    platform must deliver the message again."""


class Conversation(Protocol):
    async def handle(self, incoming: Incoming) -> Reply: ...

    async def settle(self, incoming: Incoming, *, delivered: bool) -> None:
        """Called by the adapter after sending ``handle``'s reply (not for duplicates). An
        ``incoming.settles`` turn's state is stored here, with the reply when it could not be
        sent (a redelivery of the message then gets that same reply, not a new turn)."""
        ...

    async def report_deliveries(self, reports: list[DeliveryReport]) -> None:
        """Relay the channel's delivery statuses of messages sent earlier (reminders) to the
        backend; raises when they could not be relayed (a webhook then answers 5xx so the
        platform delivers them again)."""
        ...

    async def unreachable(
        self, channel: ChatChannel, user_id: str, reason: UnreachableReason, detail: str
    ) -> None:
        """The platform refused to deliver to this chat for good (the bot blocked, WhatsApp
        undeliverable or outside the 24-hour window): recorded on the chat and its debtors'
        channel at the backend, and the webhook answers 200 (redelivering cannot help)."""
        ...
