"""The bot API (``/bot/{channel}/{user_id}/...``, role ``bot`` only) and debtor chat links."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from backend.auth.deps import Bot, CurrentUser, SessionDep, actor_of
from backend.conversations import inbox, reachability, service, verification
from backend.conversations.guards import ChatAccount, ChatDep, ChatOffer
from backend.conversations.service import bot_actor
from backend.core.routing import DomainRouter, run_unit
from backend.debtors.guards import VisibleDebtor
from backend.imports.upload import read_upload
from backend.uploads import evidence
from shared.schemas.common import ErrorBody
from shared.schemas.conversations import (
    BotAccountDetail,
    BotLinkCreate,
    BotPromiseCreate,
    BotProposal,
    ChatLinkCreate,
    ChatLinkRead,
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
from shared.schemas.negotiation import OfferRead, PlanRead, PromiseRead, ProposalResult
from shared.schemas.payments import PaymentLinkRead

router = DomainRouter(tags=["bot"])
BOT = "/bot/{channel}/{user_id}"


@router.get(f"{BOT}/state", response_model=ConversationRead)
def get_state(session: SessionDep, _: Bot, chat: ChatDep) -> ConversationRead:
    """Where the chat stands (a fresh ``start`` after the idle expiry) and who it is bound to."""
    return service.read(session, chat)


@router.put(f"{BOT}/state", response_model=ConversationRead)
def put_state(
    session: SessionDep, _: Bot, chat: ChatDep, body: ConversationWrite
) -> ConversationRead:
    """Store the bot's state for the chat (it expires after 30 minutes without a write)."""
    return service.write(session, chat, body)


@router.post(f"{BOT}/inbox", response_model=InboxResult)
def claim_message(session: SessionDep, bot: Bot, chat: ChatDep, body: InboxClaim) -> InboxResult:
    """Claim a message id before answering it: ``duplicate`` means another delivery of it
    was (or is being) answered, so answer nothing; otherwise the chat's ``state`` comes with
    the claim (what ``GET .../state`` answers), and ``reply`` is the reply an earlier delivery
    stored because it could not be sent: send it again instead of answering anew."""
    return inbox.take(session, bot_actor(bot), chat, body.message_id)


@router.post(f"{BOT}/inbox/settle", response_model=InboxSettle)
def settle_message(session: SessionDep, _: Bot, chat: ChatDep, body: InboxSettle) -> InboxSettle:
    """After sending a claimed message's reply: ``delivered`` marks it answered for good (and
    stores the chat's ``state``, when given). Not delivered with the ``reply`` (and ``state``)
    of the turn: both are kept with the claim and the channel's redelivery sends that reply
    again; not delivered without one (the turn failed): the claim is released and the
    redelivery is answered anew."""
    inbox.settle(session, chat, body)
    return body


@router.post(f"{BOT}/unreachable", response_model=UnreachableResult)
def report_unreachable(
    session: SessionDep, bot: Bot, chat: ChatDep, body: UnreachableReport
) -> UnreachableResult:
    """The platform refused a message to this chat (the bot blocked, undeliverable, the 24-hour
    window closed): recorded on the chat and on the channel of the debtors it reaches, until
    the person writes again."""
    return reachability.report(session, bot_actor(bot), chat, body)


@router.post(f"{BOT}/identify/token", response_model=IdentifyResult)
def identify_by_token(
    session: SessionDep, bot: Bot, chat: ChatDep, body: TokenIdentify
) -> IdentifyResult:
    """Bind the chat to the debtor of a signed chat link (from a reminder or an agent):
    ``failed`` for a forged or expired link, or one another chat opened first."""
    return verification.identify_by_token(session, bot_actor(bot), chat, body)


@router.post(
    f"{BOT}/identify",
    response_model=IdentifyResult,
    responses={429: {"model": ErrorBody, "description": "verification_locked"}},
)
def identify(
    session: SessionDep, bot: Bot, chat: ChatDep, body: NationalIdIdentify
) -> IdentifyResult:
    """National ID plus a second factor (none for a WhatsApp chat from a phone on file of the
    ID's debtor: ``factor_required`` otherwise). Three failures lock the chat for 5 minutes,
    each further one for longer; failures for one ID from many chats alert a supervisor and
    never lock the ID. The answer never reveals whether the ID exists."""
    return verification.identify_by_national_id(session, bot_actor(bot), chat, body)


@router.get(f"{BOT}/accounts", response_model=list[BotAccountDetail])
def list_accounts(session: SessionDep, _: Bot, chat: ChatDep) -> list[BotAccountDetail]:
    """The bound debtors' open accounts, each with its active plan and open promise."""
    return service.accounts(session, chat)


@router.get(f"{BOT}/paid-accounts", response_model=list[BotAccountDetail])
def list_paid_accounts(session: SessionDep, _: Bot, chat: ChatDep) -> list[BotAccountDetail]:
    """The bound debtors' accounts paid in full: their receipts and certificate are theirs."""
    return service.paid_accounts(session, chat)


@router.post(f"{BOT}/unbind", response_model=ConversationRead)
def unbind(session: SessionDep, bot: Bot, chat: ChatDep) -> ConversationRead:
    """End the chat's binding (the portal's "sign out"): its debtors must verify again.
    Idempotent: an unbound chat answers the same and nothing is recorded."""
    return service.unbind(session, bot_actor(bot), chat)


@router.get(f"{BOT}/accounts/{{account_id}}", response_model=BotAccountDetail)
def get_account(session: SessionDep, _: Bot, bound: ChatAccount) -> BotAccountDetail:
    """Balance, active plan (with its next instalment) and open promise of one account."""
    return service.account_detail(session, bound)


@router.post(
    f"{BOT}/accounts/{{account_id}}/offers", response_model=list[OfferRead], status_code=201
)
def create_offers(
    session: SessionDep, bot: Bot, chat: ChatDep, bound: ChatAccount
) -> list[OfferRead]:
    """One-tap offers within the portfolio's limits (the self-service quota applies)."""
    return service.offers(session, bot_actor(bot), chat, bound.account)


@router.post(f"{BOT}/accounts/{{account_id}}/proposals", response_model=ProposalResult)
def propose(
    session: SessionDep, bot: Bot, chat: ChatDep, bound: ChatAccount, body: BotProposal
) -> ProposalResult:
    """A counter-proposal: accepted or countered (an offer to accept), or sent for approval."""
    return service.propose(session, bot_actor(bot), chat, bound.account, body)


@router.post(f"{BOT}/offers/{{offer_id}}/accept", response_model=PlanRead, status_code=201)
def accept_offer(session: SessionDep, bot: Bot, chat: ChatDep, offer: ChatOffer) -> PlanRead:
    """Accept an offer of one of the chat's accounts: the plan."""
    return service.accept(session, bot_actor(bot), chat, offer)


@router.post(
    f"{BOT}/accounts/{{account_id}}/payment-links",
    response_model=PaymentLinkRead,
    status_code=201,
    responses={200: {"model": PaymentLinkRead, "description": "Replay of the same message"}},
)
def create_payment_link(
    session: SessionDep,
    bot: Bot,
    chat: ChatDep,
    bound: ChatAccount,
    body: BotLinkCreate,
    response: Response,
) -> object:
    """A link for the balance, the settlement, the next instalment or the open promise; the
    same message id again returns the same link."""
    link, created = service.payment_link(session, bot_actor(bot), chat, bound.account, body)
    if not created:
        response.status_code = 200
    return link


@router.post(
    f"{BOT}/accounts/{{account_id}}/promises",
    response_model=PromiseRead,
    status_code=201,
    responses={200: {"model": PromiseRead, "description": "Replay of the same message"}},
)
def create_promise(
    session: SessionDep,
    bot: Bot,
    chat: ChatDep,
    bound: ChatAccount,
    body: BotPromiseCreate,
    response: Response,
) -> object:
    """A promise to pay (it supersedes the open one); the same message id replays."""
    promise, created = service.promise(session, bot_actor(bot), chat, bound.account, body)
    if not created:
        response.status_code = 200
    return promise


@router.post(f"{BOT}/handoff", response_model=HandoffResult, status_code=201)
def handoff(session: SessionDep, bot: Bot, chat: ChatDep, body: HandoffCreate) -> HandoffResult:
    """Ask for a person: a callback task for the account's agent (an unverified chat names the
    national ID it gave; the answer then lists no task, known ID or not)."""
    return service.handoff(session, bot_actor(bot), chat, body)


@router.post(
    f"{BOT}/evidence",
    response_model=EvidenceRead,
    status_code=201,
    responses={415: {"model": ErrorBody, "description": "voucher_type: not a picture or a PDF"}},
)
async def send_evidence(
    request: Request,
    session: SessionDep,
    bot: Bot,
    chat: ChatDep,
    message_id: Annotated[str, Query(min_length=1, max_length=128)],
    account_id: uuid.UUID | None = None,
    caption: Annotated[str | None, Query(max_length=1000)] = None,
) -> EvidenceRead:
    """A payment voucher (photo or PDF, multipart ``file``, 5 MB at most) the debtor sent in the
    chat: kept on the account (``account_id``, by default their oldest open one) with a task for
    its agent to check it. The same ``message_id`` again returns the voucher stored before."""
    upload = await read_upload(request, evidence.MAX_BYTES)
    try:
        content = await upload.read()
    finally:
        await upload.close()

    def work() -> EvidenceRead:
        return service.evidence(
            session,
            bot_actor(bot),
            chat,
            message_id=message_id,
            account_id=account_id,
            filename=upload.filename or "",
            content_type=upload.content_type or "",
            content=content,
            caption=caption,
        )

    return await run_unit(session, work)


@router.post(f"{BOT}/opt-out", response_model=OptOutResult)
def opt_out(session: SessionDep, bot: Bot, chat: ChatDep) -> OptOutResult:
    """Stop messages on this chat ("BAJA", "STOP"); the debtors it reaches opt out of the
    channel: bound to it, linked to it, or (WhatsApp) with its phone on file, verified or not."""
    return service.set_opt_out(session, bot_actor(bot), chat, opted_out=True)


@router.post(f"{BOT}/opt-in", response_model=OptOutResult)
def opt_in(session: SessionDep, bot: Bot, chat: ChatDep) -> OptOutResult:
    """Undo an opt-out of this chat ("ALTA", "START"), for its bound debtors and (WhatsApp) the
    debtors with its phone on file."""
    return service.set_opt_out(session, bot_actor(bot), chat, opted_out=False)


@router.post(
    f"{BOT}/accounts/{{account_id}}/portal-link", response_model=PortalLinkRead, status_code=201
)
def create_portal_link(
    session: SessionDep, bot: Bot, chat: ChatDep, bound: ChatAccount
) -> PortalLinkRead:
    """A single-use link (an hour) signing the debtor in to the self-service portal on the
    account's documents: what the bot sends for "mi cronograma", "constancia", "recibo"."""
    return service.portal_link(session, bot_actor(bot), chat, bound.account)


@router.get(f"{BOT}/contact-preferences", response_model=ContactPreferences)
def get_contact_preferences(session: SessionDep, _: Bot, chat: ChatDep) -> ContactPreferences:
    """The channels the chat's verified debtors opted out of."""
    return service.contact_preferences(session, chat)


@router.put(f"{BOT}/contact-preferences", response_model=ContactPreferences)
def put_contact_preferences(
    session: SessionDep, bot: Bot, chat: ChatDep, body: ContactPreferences
) -> ContactPreferences:
    """Opt the chat's verified debtors out of exactly the channels listed (WhatsApp, Telegram,
    SMS, e-mail, calls) and back into the others (the portal's preferences page)."""
    return service.set_contact_preferences(session, bot_actor(bot), chat, body)


@router.post(
    "/debtors/{debtor_id}/chat-link", response_model=ChatLinkRead, status_code=201, tags=["debtors"]
)
def create_chat_link(
    session: SessionDep, user: CurrentUser, debtor: VisibleDebtor, body: ChatLinkCreate
) -> ChatLinkRead:
    """A signed, expiring start token for the bot (and t.me / wa.me links when configured):
    the debtor who opens it is identified without typing anything. It is single-use: the
    first chat that opens it owns it, in any other chat it verifies nobody."""
    return service.chat_link(session, actor_of(user), debtor, body.valid_hours)
