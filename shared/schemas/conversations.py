"""API shapes of the bot API (``/api/v1/bot/...``) and of debtor chat links.

Every bot call is keyed by the chat: the channel and the channel's stable id for the person
(``/bot/{channel}/{user_id}/...``). Nothing about a debt is answered before that chat is bound
to a debtor by a signed chat link or by national ID plus a second factor.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.schemas.enums import AccountStatus, Channel, Language, LinkPurpose, NationalIdType
from shared.schemas.negotiation import Frequency, PlanRead, PromiseRead

# The chat channels (as in ``bots.core.messages.ChatChannel``); "portal" is the web
# self-service portal (``bots/portal``), one "chat" per browser session.
ChatChannel = Literal["whatsapp", "telegram", "rasa", "simulator", "portal"]
# A channel's id for a person: Telegram chat id, WhatsApp wa_id, a simulator name.
USER_ID_PATTERN = r"^[A-Za-z0-9+_.:@-]{1,64}$"
# A message id from the channel (replays of one id are answered once).
MessageId = Field(min_length=1, max_length=128)
# Conversation data the bot keeps between messages (JSON, at most this many characters).
MAX_STATE_CHARS = 16_000
# A signed chat-link token (``backend.conversations.links``), as it may appear in a message.
CHAT_TOKEN_PATTERN = r"cb2_[A-Za-z0-9_-]{56}"  # noqa: S105 (a pattern, not a secret)


class ConversationRead(BaseModel):
    """The chat as the bot left it, plus who it is bound to. ``step`` is ``"start"`` and
    ``data`` empty for a new chat or one idle past its expiry (the binding outlives that)."""

    channel: ChatChannel
    user_id: str
    language: Language | None
    step: str
    data: dict[str, Any]
    expires_at: datetime | None
    verified: bool
    first_name: str | None = Field(description="the bound debtor's first or company name")
    bound_until: datetime | None
    opted_out: bool
    locked_until: datetime | None = Field(
        default=None,
        description="an unverified chat locked out of verification after wrong answers: until "
        "when (null when it may try now)",
    )


class ConversationWrite(BaseModel):
    language: Language | None = None
    step: str = Field(min_length=1, max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


class InboxClaim(BaseModel):
    message_id: str = MessageId


class BotButton(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=200)


class BotMessage(BaseModel):
    """One message of a bot's reply, as the channel adapters render it."""

    text: str = Field(max_length=4096)
    buttons: list[BotButton] = Field(default_factory=list, max_length=40)
    list_title: str | None = Field(default=None, max_length=60)
    url: str | None = Field(default=None, max_length=500)


class InboxSettle(BaseModel):
    message_id: str = MessageId
    delivered: bool = Field(
        description="true: answered for good; false: the reply could not be sent (a redelivery "
        "of the message is answered again)"
    )
    state: ConversationWrite | None = Field(
        default=None,
        description="the chat's state after this message (as PUT .../state would), stored with "
        "the settlement",
    )
    reply: list[BotMessage] | None = Field(
        default=None,
        max_length=20,
        description="with delivered=false: the reply that could not be sent, kept with the claim "
        "(with ``state``) so that a redelivery of the message sends this same reply again "
        "instead of answering anew; without it the claim is released and the turn runs again",
    )


class InboxResult(BaseModel):
    duplicate: bool = Field(description="true: this message id was claimed before; answer nothing")
    state: ConversationRead | None = Field(
        default=None, description="the chat's state, read with the claim (null for a duplicate)"
    )
    reply: list[BotMessage] | None = Field(
        default=None,
        description="the reply stored by an earlier delivery of this message whose send failed: "
        "send it again as is (the turn, and what it did, already happened)",
    )


class TokenIdentify(BaseModel):
    token: str = Field(min_length=1, max_length=128)


class NationalIdIdentify(BaseModel):
    """National ID plus one second factor on file: the last four digits of a phone, or the
    date of birth. Without a factor only a WhatsApp chat from a phone on file of that ID's
    debtor is verified; any other chat answers ``factor_required``."""

    id_type: NationalIdType | None = None
    id_number: str = Field(min_length=1, max_length=32)
    phone_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    birth_date: date | None = None
    # The browser's address, sent by the web portal: ID attempts are throttled per address.
    client_address: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _one_factor(self) -> NationalIdIdentify:
        if self.phone_last4 is not None and self.birth_date is not None:
            raise ValueError("give phone_last4 or birth_date (at most one)")
        return self

    @property
    def has_factor(self) -> bool:
        return self.phone_last4 is not None or self.birth_date is not None


class IdentifyResult(BaseModel):
    """``verified``: the chat is bound; ``factor_required``: ask for the second factor (nothing
    was counted); ``failed``: wrong details (the answer never says whether the ID exists);
    ``locked``: too many failures from this chat, retry after the given seconds."""

    status: Literal["verified", "factor_required", "failed", "locked"]
    first_name: str | None = None
    language: Language | None = Field(default=None, description="the debtor's preference")
    attempts_left: int | None = None
    retry_after_seconds: int | None = None


class BotAccount(BaseModel):
    id: uuid.UUID
    creditor: str
    product: str
    reference: str = Field(description="the account reference's last four characters")
    currency: str
    balance_minor: int
    status: AccountStatus
    due_date: date
    days_past_due: int
    today: date = Field(description="today in the portfolio's time zone")
    country: str = Field(
        default="", description="the portfolio's country (ISO 3166): how to write and read dates"
    )
    timezone: str = Field(
        default="UTC", description="the portfolio's time zone: the day a moment falls on there"
    )


class BotAccountDetail(BotAccount):
    plan: PlanRead | None = Field(description="the active plan, if any")
    promise: PromiseRead | None = Field(description="the open promise to pay, if any")


class BotProposal(BaseModel):
    """A counter-proposal typed in chat (see ``ProposalRequest``; the channel is the chat's)."""

    kind: Literal["plan_by_amount", "plan_by_count", "settlement"]
    instalment_amount: Decimal | None = Field(default=None, gt=0, max_digits=18)
    instalments: int | None = Field(default=None, ge=1, le=600)
    frequency: Frequency = "monthly"
    first_due: date | None = None
    down_payment: Decimal | None = Field(default=None, ge=0, max_digits=18)
    down_payment_percent: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5)
    settlement_amount: Decimal | None = Field(default=None, gt=0, max_digits=18)
    pay_on: date | None = None
    insist: bool = False


class BotLinkCreate(BaseModel):
    purpose: LinkPurpose
    message_id: str = MessageId
    language: Language = Language.es


class BotPromiseCreate(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=18)
    due_date: date
    message_id: str = MessageId


class HandoffCreate(BaseModel):
    message_id: str = MessageId
    account_id: uuid.UUID | None = Field(default=None, description="default: every open account")
    reason: str | None = Field(default=None, max_length=300)
    id_number: str | None = Field(
        default=None,
        max_length=32,
        description="an unverified chat (locked out of verification, say): the national ID it "
        "gave; the debtors holding it get a callback request (the answer is the same whether "
        "or not the ID exists)",
    )


class HandoffResult(BaseModel):
    task_ids: list[uuid.UUID]


class UnreachableReport(BaseModel):
    """The platform refused a message to this chat: the person blocked the bot (Telegram 403),
    or WhatsApp cannot deliver to them (131026) or only templates may reach them now (131047,
    the 24-hour window closed)."""

    reason: Literal["blocked", "undeliverable", "window_closed"]
    detail: str | None = Field(default=None, max_length=300)


class UnreachableResult(BaseModel):
    debtors: int = Field(description="debtors whose channel was marked unreachable")


class EvidenceRead(BaseModel):
    """A payment voucher (photo or document) a debtor sent, kept on the account with a task for
    a person to check it."""

    id: uuid.UUID
    account_id: uuid.UUID
    task_id: uuid.UUID
    content_type: str
    size_bytes: int
    created_at: datetime


class OptOutResult(BaseModel):
    opted_out: bool
    debtors: int = Field(description="bound debtors whose opt-outs changed")


class ContactPreferences(BaseModel):
    """The channels the chat's verified debtors asked not to be contacted on (any of them
    opted out counts), and those that may be set here."""

    opted_out: list[Channel] = Field(default_factory=list, max_length=len(Channel))


class PortalLinkRead(BaseModel):
    """A single-use link that signs the chat's debtor in to the self-service portal, on the
    account's documents (plan schedule, receipts, paid-in-full certificate)."""

    url: str
    expires_at: datetime


class ChatLinkCreate(BaseModel):
    valid_hours: int = Field(default=72, ge=1, le=720)


class ChatLinkRead(BaseModel):
    """A signed, expiring, single-use start token for one debtor (the first chat that opens it
    owns it), and ready-made links when the channels are configured
    (COBRO_TELEGRAM_BOT_USERNAME, COBRO_WHATSAPP_NUMBER)."""

    token: str
    expires_at: datetime
    telegram_url: str | None
    whatsapp_url: str | None
