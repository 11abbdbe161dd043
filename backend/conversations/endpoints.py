"""The bot API (``/bot/{channel}/{user_id}/...``, role ``bot`` only) and debtor chat links."""

from __future__ import annotations

from fastapi import Response

from backend.auth.deps import Bot, CurrentUser, SessionDep, actor_of
from backend.conversations import service, verification
from backend.conversations.guards import ChatAccount, ChatDep, ChatOffer
from backend.conversations.service import bot_actor
from backend.core.routing import DomainRouter
from backend.debtors.guards import VisibleDebtor
from shared.schemas.common import ErrorBody
from shared.schemas.conversations import (
    BotAccountDetail,
    BotLinkCreate,
    BotPromiseCreate,
    BotProposal,
    ChatLinkCreate,
    ChatLinkRead,
    ConversationRead,
    ConversationWrite,
    HandoffCreate,
    HandoffResult,
    IdentifyResult,
    InboxClaim,
    InboxResult,
    InboxSettle,
    NationalIdIdentify,
    OptOutResult,
    TokenIdentify,
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
def claim_message(session: SessionDep, _: Bot, chat: ChatDep, body: InboxClaim) -> InboxResult:
    """Claim a message id before answering it: ``duplicate`` means another delivery of it
    was (or is being) answered, so answer nothing; otherwise the chat's ``state`` comes with
    the claim (what ``GET .../state`` answers)."""
    if not service.claim(session, chat, body.message_id):
        return InboxResult(duplicate=True)
    return InboxResult(duplicate=False, state=service.read(session, chat))


@router.post(f"{BOT}/inbox/settle", response_model=InboxSettle)
def settle_message(session: SessionDep, _: Bot, chat: ChatDep, body: InboxSettle) -> InboxSettle:
    """After sending a claimed message's reply: ``delivered`` marks it answered for good (and
    stores the chat's ``state``, when given); otherwise the claim is released and the channel's
    redelivery will be answered."""
    service.settle(session, chat, body.message_id, body.delivered, body.state)
    return body


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
    """National ID plus a second factor. Three failures (per chat and per ID) lock both for
    30 minutes; the answer never reveals whether the ID exists."""
    return verification.identify_by_national_id(session, bot_actor(bot), chat, body)


@router.get(f"{BOT}/accounts", response_model=list[BotAccountDetail])
def list_accounts(session: SessionDep, _: Bot, chat: ChatDep) -> list[BotAccountDetail]:
    """The bound debtors' open accounts, each with its active plan and open promise."""
    return service.accounts(session, chat)


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
    """Ask for a person: a callback task for the account's agent."""
    return service.handoff(session, bot_actor(bot), chat, body)


@router.post(f"{BOT}/opt-out", response_model=OptOutResult)
def opt_out(session: SessionDep, bot: Bot, chat: ChatDep) -> OptOutResult:
    """Stop messages on this chat ("BAJA", "STOP"); bound debtors opt out of the channel."""
    return service.set_opt_out(session, bot_actor(bot), chat, opted_out=True)


@router.post(f"{BOT}/opt-in", response_model=OptOutResult)
def opt_in(session: SessionDep, bot: Bot, chat: ChatDep) -> OptOutResult:
    """Undo an opt-out of this chat ("ALTA", "START")."""
    return service.set_opt_out(session, bot_actor(bot), chat, opted_out=False)


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
