"""The bot API (``/api/v1/bot/...``) for the chat bots, composed over :class:`CobroClient`.

::

    api = BotApi.connect("http://127.0.0.1:8000", token=bot_token)
    chat = api.chat("telegram", "123456789")
    claimed = await chat.claim(message_id)
    if not claimed.duplicate:
        state = claimed.state
        ...
    await api.aclose()

Every call of a :class:`BotChat` is about that chat; the API answers debt data only once the
chat is verified (``AuthError`` code ``verification_required`` otherwise). Errors are those of
:mod:`shared.client.errors`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from shared.client.client import CobroClient
from shared.client.errors import ApiError
from shared.client.http import V1
from shared.money import to_decimal
from shared.schemas.conversations import (
    BotAccountDetail,
    BotLinkCreate,
    BotMessage,
    BotPromiseCreate,
    BotProposal,
    ChatChannel,
    ContactPreferences,
    ConversationRead,
    ConversationWrite,
    EvidenceRead,
    HandoffCreate,
    HandoffResult,
    IdentifyResult,
    InboxClaim,
    InboxResult,
    InboxSettle,
    NationalIdIdentify,
    OptOutResult,
    PortalLinkRead,
    TokenIdentify,
    UnreachableReport,
    UnreachableResult,
)
from shared.schemas.disputes import (
    BotDispute,
    BotDisputeCreate,
    BotPayment,
    CertificateRead,
    NoticeRead,
)
from shared.schemas.disputes import EvidenceRead as DisputeEvidenceRead
from shared.schemas.enums import Channel, DisputeReason, Language, LinkPurpose, NationalIdType
from shared.schemas.negotiation import Frequency, OfferRead, PlanRead, PromiseRead, ProposalResult
from shared.schemas.outbound import MAX_REPORTS, DeliveryReport, DeliveryReports, DeliveryResult
from shared.schemas.payments import PaymentLinkRead

ProposalKind = Literal["plan_by_amount", "plan_by_count", "settlement"]


class BotApi:
    """The bot's side of the API over a :class:`CobroClient` logged in as a ``bot`` user."""

    def __init__(self, client: CobroClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        token: str,
        renew: Callable[[], Awaitable[str]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> Self:
        """A client of the API at ``base_url`` with a bot token (``cobro bot-token``, or
        ``backend.conversations.service.ensure_bot_identity`` in-process). ``renew`` gives a
        new token when the API stops accepting the current one (a rotated credential)."""
        client = CobroClient(
            base_url, token=token, renew=renew, transport=transport, timeout=timeout
        )
        return cls(client)

    async def report_deliveries(self, reports: list[DeliveryReport]) -> int:
        """Relay a channel's delivery statuses (``/outbound/deliveries``); how many reminders
        they moved. A replay moves none."""
        changed = 0
        for start in range(0, len(reports), MAX_REPORTS):
            body = DeliveryReports(reports=reports[start : start + MAX_REPORTS])
            result = await self.client._request(
                "POST", f"{V1}/outbound/deliveries", json=body, model=DeliveryResult
            )
            changed += result.changed
        return changed

    def chat(self, channel: ChatChannel, user_id: str, *, per_turn: bool = False) -> BotChat:
        """``per_turn``: the chat object serves one incoming message (see ``BotChat``)."""
        return BotChat(self.client, channel, user_id, per_turn=per_turn)

    async def aclose(self) -> None:
        await self.client.aclose()


class BotChat:
    """One chat: the channel and the channel's id for the person."""

    def __init__(
        self, client: CobroClient, channel: ChatChannel, user_id: str, *, per_turn: bool = False
    ) -> None:
        self._client = client
        self.channel = channel
        self.user_id = user_id
        self._base = f"{V1}/bot/{channel}/{quote(user_id, safe='')}"
        # Per turn: the chat's accounts as last read, until any write through this chat.
        self._per_turn = per_turn
        self._accounts: list[BotAccountDetail] | None = None

    async def _call(
        self,
        method: str,
        path: str,
        model: Any,
        json: BaseModel | None = None,
        **options: Any,
    ) -> Any:
        if method != "GET":
            self._accounts = None
        # The client's one request helper (the domain mixins' too): auth, language, errors.
        return await self._client._request(
            method, self._base + path, json=json, model=model, **options
        )

    async def claim(self, message_id: str) -> InboxResult:
        """Claim a message before answering it; ``duplicate``: answer nothing, otherwise the
        chat's ``state`` comes with the claim."""
        return await self._call(
            "POST", "/inbox", InboxResult, json=InboxClaim(message_id=message_id)
        )

    async def settle(
        self,
        message_id: str,
        *,
        delivered: bool,
        state: ConversationWrite | None = None,
        reply: list[BotMessage] | None = None,
    ) -> None:
        """Tell the backend whether the reply of a claimed message reached the person; with
        ``state``, a delivered reply also stores the chat's state (one call for both). Not
        delivered with the turn's ``reply`` (and ``state``): both are kept, and the claim of a
        redelivery answers that reply to send again; without a reply the claim is released."""
        body = InboxSettle(message_id=message_id, delivered=delivered, state=state, reply=reply)
        await self._call("POST", "/inbox/settle", InboxSettle, json=body)

    async def unreachable(
        self, reason: Literal["blocked", "undeliverable", "window_closed"], detail: str | None
    ) -> UnreachableResult:
        """The platform refused a message to this chat (see ``UnreachableReport``)."""
        body = UnreachableReport(reason=reason, detail=detail)
        return await self._call("POST", "/unreachable", UnreachableResult, json=body)

    async def state(self) -> ConversationRead:
        return await self._call("GET", "/state", ConversationRead)

    async def save(
        self, step: str, data: dict[str, Any], language: Language | None
    ) -> ConversationRead:
        body = ConversationWrite(step=step, data=data, language=language)
        return await self._call("PUT", "/state", ConversationRead, json=body)

    async def identify_by_token(self, token: str) -> IdentifyResult:
        return await self._call(
            "POST", "/identify/token", IdentifyResult, json=TokenIdentify(token=token)
        )

    async def identify(
        self,
        id_number: str,
        *,
        id_type: NationalIdType | None = None,
        phone_last4: str | None = None,
        birth_date: date | None = None,
        client_address: str | None = None,
    ) -> IdentifyResult:
        """National ID plus one factor (none: a WhatsApp chat from a phone on file is verified,
        any other answers ``factor_required``). A lockout comes back as ``status="locked"``
        (the API's 429 ``verification_locked`` included), not as an exception.
        ``client_address``: the browser's, from the web portal (throttled per address)."""
        body = NationalIdIdentify(
            id_type=id_type,
            id_number=id_number,
            phone_last4=phone_last4,
            birth_date=birth_date,
            client_address=client_address,
        )
        try:
            return await self._call("POST", "/identify", IdentifyResult, json=body)
        except ApiError as exc:
            if exc.code != "verification_locked":
                raise
            details = exc.details if isinstance(exc.details, dict) else {}
            return IdentifyResult(
                status="locked", retry_after_seconds=details.get("retry_after_seconds")
            )

    async def accounts(self) -> list[BotAccountDetail]:
        """The chat's open accounts, each with its active plan and open promise. A
        ``per_turn`` chat (the conversation core makes one per message) asked again before any
        write through it answers the same list without another call (a balance check asks
        twice: to pick the account, then for it)."""
        if self._accounts is not None:
            return list(self._accounts)
        found = await self._call("GET", "/accounts", list[BotAccountDetail])
        if self._per_turn:
            self._accounts = found
        return list(found)

    async def paid_accounts(self) -> list[BotAccountDetail]:
        """The chat's accounts paid in full (their receipts and certificate)."""
        return await self._call("GET", "/paid-accounts", list[BotAccountDetail])

    async def unbind(self) -> ConversationRead:
        """End the chat's binding (sign out); an unbound chat answers the same."""
        return await self._call("POST", "/unbind", ConversationRead)

    async def account(self, account_id: uuid.UUID) -> BotAccountDetail:
        """One account of the chat (any status). A ``per_turn`` chat answers an open account
        from the list it read this turn, as ``accounts`` does."""
        for found in self._accounts or ():
            if found.id == account_id:
                return found
        return await self._call("GET", f"/accounts/{account_id}", BotAccountDetail)

    async def offers(self, account_id: uuid.UUID) -> list[OfferRead]:
        return await self._call("POST", f"/accounts/{account_id}/offers", list[OfferRead])

    async def propose(
        self,
        account_id: uuid.UUID,
        *,
        kind: ProposalKind,
        currency: str,
        instalment_amount_minor: int | None = None,
        instalments: int | None = None,
        frequency: Frequency = "monthly",
        first_due: date | None = None,
        down_payment_minor: int | None = None,
        down_payment_percent: Decimal | None = None,
        settlement_amount_minor: int | None = None,
        insist: bool = False,
    ) -> ProposalResult:
        """A counter-proposal; amounts in minor units of the account's ``currency``;
        ``first_due``: the first payment's date the debtor asked for (the down payment's, when
        there is one; a single payment's date for a settlement)."""

        def amount(minor: int | None) -> Decimal | None:
            return None if minor is None else to_decimal(minor, currency)

        body = BotProposal(
            kind=kind,
            instalment_amount=amount(instalment_amount_minor),
            instalments=instalments,
            frequency=frequency,
            first_due=first_due if kind != "settlement" else None,
            pay_on=first_due if kind == "settlement" else None,
            down_payment=amount(down_payment_minor),
            down_payment_percent=down_payment_percent,
            settlement_amount=amount(settlement_amount_minor),
            insist=insist,
        )
        return await self._call(
            "POST", f"/accounts/{account_id}/proposals", ProposalResult, json=body
        )

    async def accept(self, offer_id: uuid.UUID) -> PlanRead:
        return await self._call("POST", f"/offers/{offer_id}/accept", PlanRead)

    async def payment_link(
        self, account_id: uuid.UUID, purpose: LinkPurpose, *, message_id: str, language: Language
    ) -> PaymentLinkRead:
        """A payment link; the same ``message_id`` again returns the same link."""
        body = BotLinkCreate(purpose=purpose, message_id=message_id, language=language)
        return await self._call(
            "POST", f"/accounts/{account_id}/payment-links", PaymentLinkRead, json=body
        )

    async def promise(
        self,
        account_id: uuid.UUID,
        *,
        amount_minor: int,
        currency: str,
        due_date: date,
        message_id: str,
    ) -> PromiseRead:
        """A promise to pay; the same ``message_id`` again returns the same promise."""
        body = BotPromiseCreate(
            amount=to_decimal(amount_minor, currency), due_date=due_date, message_id=message_id
        )
        return await self._call("POST", f"/accounts/{account_id}/promises", PromiseRead, json=body)

    async def handoff(
        self,
        *,
        message_id: str,
        account_id: uuid.UUID | None = None,
        reason: str | None = None,
        id_number: str | None = None,
    ) -> HandoffResult:
        """A callback request; an unverified chat names the ``id_number`` it gave (the answer
        then lists no task, whether or not the ID is known)."""
        body = HandoffCreate(
            message_id=message_id, account_id=account_id, reason=reason, id_number=id_number
        )
        return await self._call("POST", "/handoff", HandoffResult, json=body)

    async def evidence(
        self,
        *,
        message_id: str,
        content: bytes,
        filename: str,
        content_type: str,
        account_id: uuid.UUID | None = None,
        caption: str | None = None,
    ) -> EvidenceRead:
        """A payment voucher the debtor sent (photo or PDF): kept on the account with a task to
        check it; the same ``message_id`` again returns the voucher stored before."""
        params = {"message_id": message_id, "account_id": account_id, "caption": caption}
        return await self._call(
            "POST",
            "/evidence",
            EvidenceRead,
            params=params,
            files={"file": (filename, content, content_type)},
        )

    async def opt_out(self) -> OptOutResult:
        return await self._call("POST", "/opt-out", OptOutResult)

    async def opt_in(self) -> OptOutResult:
        return await self._call("POST", "/opt-in", OptOutResult)

    async def portal_link(self, account_id: uuid.UUID) -> PortalLinkRead:
        """A single-use portal sign-in link opening on the account's documents."""
        return await self._call("POST", f"/accounts/{account_id}/portal-link", PortalLinkRead)

    async def contact_preferences(self) -> ContactPreferences:
        """The channels the chat's verified debtors opted out of."""
        return await self._call("GET", "/contact-preferences", ContactPreferences)

    async def set_contact_preferences(self, opted_out: list[Channel]) -> ContactPreferences:
        """Opt the verified debtors out of exactly ``opted_out`` (back into the others)."""
        body = ContactPreferences(opted_out=opted_out)
        return await self._call("PUT", "/contact-preferences", ContactPreferences, json=body)

    # --- disputes, notices and documents (``docs/disputes.md``) --------------------------------

    async def send_evidence(
        self, account_id: uuid.UUID, *, filename: str, content: bytes, content_type: str
    ) -> DisputeEvidenceRead:
        """Keep a file the debtor sent (a voucher photo, a police report) for the account."""
        self._accounts = None
        return await self._client._request(
            "POST",
            f"{self._base}/accounts/{account_id}/evidence",
            files={"file": (filename, content, content_type)},
            model=DisputeEvidenceRead,
        )

    async def dispute(
        self,
        account_id: uuid.UUID,
        *,
        reason: DisputeReason,
        statement: str,
        message_id: str,
        language: Language,
        evidence: list[uuid.UUID] | None = None,
    ) -> BotDispute:
        """Dispute the account; ``message`` says what happens next and by when. The same
        ``message_id`` again answers the same dispute; an account already disputed answers its
        open dispute."""
        body = BotDisputeCreate(
            reason=reason,
            statement=statement,
            evidence=evidence or [],
            message_id=message_id,
            language=language,
        )
        return await self._call("POST", f"/accounts/{account_id}/disputes", BotDispute, json=body)

    async def disputes(self, account_id: uuid.UUID, language: Language) -> list[BotDispute]:
        return await self._client._request(
            "GET",
            f"{self._base}/accounts/{account_id}/disputes",
            params={"language": language.value},
            model=list[BotDispute],
        )

    async def notices(self, language: Language) -> list[NoticeRead]:
        """What the chat's debtors must be told (how a dispute ended): show, then ``shown``."""
        return await self._client._request(
            "GET",
            f"{self._base}/notices",
            params={"language": language.value},
            model=list[NoticeRead],
        )

    async def notice_shown(self, notice_id: uuid.UUID) -> NoticeRead:
        return await self._call("POST", f"/notices/{notice_id}/shown", NoticeRead)

    async def payments(self, account_id: uuid.UUID) -> list[BotPayment]:
        return await self._call("GET", f"/accounts/{account_id}/payments", list[BotPayment])

    async def schedule_pdf(self, account_id: uuid.UUID, language: Language) -> bytes:
        return await self._pdf(f"/accounts/{account_id}/schedule.pdf", language)

    async def receipt_pdf(self, payment_id: uuid.UUID, language: Language) -> bytes:
        return await self._pdf(f"/payments/{payment_id}/receipt.pdf", language)

    async def certificate(self, account_id: uuid.UUID) -> CertificateRead:
        """Issue (or get again) the paid-in-full certificate of a paid account."""
        return await self._call("POST", f"/accounts/{account_id}/certificate", CertificateRead)

    async def certificate_pdf(self, account_id: uuid.UUID, language: Language) -> bytes:
        return await self._pdf(f"/accounts/{account_id}/certificate.pdf", language)

    async def _pdf(self, path: str, language: Language) -> bytes:
        return await self._client._download(
            "GET", self._base + path, params={"language": language.value}
        )
