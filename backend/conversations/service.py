"""The bot API's rules: chat state, the message inbox, bindings and what a bound chat may do.

* The bots are API clients with the ``bot`` role (:func:`ensure_bot_identity`). Staff views
  show a bot nothing; everything it reads or does goes through a chat (channel + the channel's
  id for the person) and that chat's binding.
* A chat is bound to debtors by a signed chat link or by national ID plus a second factor
  (``verification``), for :data:`BINDING`. Unbound chats get ``verification_required`` (403);
  accounts of other debtors are missing (404), so ids cannot be probed.
* Chat state (step, data, language) is the bot's memory between messages: it resets after
  :data:`IDLE` without a write, keeps the language and the binding, and is not business data
  (state writes and inbox claims are not audited; everything else is).
* The inbox makes "the same message delivered twice answers once" hold across bot restarts and
  workers: the first claim of a message id wins a unique constraint.
* Writes that a redelivered message could repeat carry keys derived from the message id (the
  payment link's ``client_key``, the promise's ``client_id``, the callback task's dedupe key).
* Opting out marks the chat and adds the channel to the bound debtors' ``opt_outs`` (and to
  those of the debtors whose linked chat it is, whom it is unlinked from).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.aging import OPEN_STATUSES, days_past_due
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.contact import service as contact_service
from backend.conversations import links, lockout, repository
from backend.conversations.models import Conversation
from backend.core.clock import today_in, utcnow
from backend.core.config import get_settings
from backend.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from backend.core.security import create_access_token, hash_password
from backend.creditors.models import Creditor, Portfolio
from backend.debtors import chats
from backend.debtors.models import Debtor
from backend.debtors.service import DebtorErased
from backend.payments import service as payments
from backend.payments.models import PaymentLink
from backend.payments.service import LinkRequest
from backend.plans import repository as plans_repository
from backend.plans import service as plans
from backend.plans.models import Offer
from backend.promises import repository as promises_repository
from backend.promises import service as promises
from backend.promises.models import Promise
from backend.promises.service import PromiseRequest
from backend.tasks import service as tasks
from backend.uploads import evidence as vouchers
from backend.users import repository as users_repository
from backend.users import service as users
from backend.users.models import User
from shared.money import from_decimal
from shared.schemas.conversations import (
    MAX_STATE_CHARS,
    BotAccount,
    BotAccountDetail,
    BotLinkCreate,
    BotPromiseCreate,
    BotProposal,
    ChatLinkRead,
    ContactPreferences,
    ConversationRead,
    ConversationWrite,
    EvidenceRead,
    HandoffCreate,
    HandoffResult,
    OptOutResult,
    PortalLinkRead,
)
from shared.schemas.enums import AccountStatus, ActionChannel, Channel, Role, TaskKind
from shared.schemas.negotiation import (
    OfferRead,
    PlanRead,
    PromiseRead,
    ProposalRequest,
    ProposalResult,
)

IDLE = timedelta(minutes=30)
# Offers shown again must stay acceptable at least this long (the person reads, then taps).
OFFER_MARGIN = timedelta(minutes=30)
BINDING = timedelta(hours=24)
BOT_EMAIL = "bots@system.cobro"
BOT_TOKEN_DAYS = 90

# How actions taken in each chat channel are recorded (self-service quotas apply to these).
ACTION_CHANNELS: dict[str, ActionChannel] = {
    "whatsapp": ActionChannel.whatsapp,
    "telegram": ActionChannel.telegram,
    "rasa": ActionChannel.web,
    "simulator": ActionChannel.web,
    "portal": ActionChannel.web,
}
# The debtor contact channel an opt-out in a chat channel stops (none for web chats).
CONTACT_CHANNELS: dict[str, Channel] = {
    "whatsapp": Channel.whatsapp,
    "telegram": Channel.telegram,
}


class VerificationRequired(DomainError):
    status = 403
    code = "verification_required"


class Refused(Conflict):
    """A conflict of the domains the bot API calls (plans, promises, payments), answered with
    its reason as the code (``plan_active``, ``offer_already_accepted``,
    ``negotiation_limit``...): a bot must tell the debtor which, in their words, and a plain
    ``conflict`` says none of it."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__(conflict.message_key, **conflict.params)
        self.code = conflict.message_key.removeprefix("error.")  # type: ignore[misc]


@contextmanager
def named_refusals() -> Iterator[None]:
    """Raise the domain's plain conflicts as :class:`Refused` (named ones pass as they are)."""
    try:
        yield
    except Conflict as exc:
        if type(exc) is not Conflict:
            raise
        raise Refused(exc) from None


class BotIdentityUnusable(DomainError):
    """``bots@system.cobro`` exists but is not an active bot user: no token is minted."""

    status = 409
    code = "bot_identity_unusable"


@dataclass(frozen=True, slots=True)
class Chat:
    channel: str
    user_id: str


def bot_actor(user: User) -> Actor:
    return Actor("bot", user.id)


def ensure_bot_identity(session: Session, days: int = BOT_TOKEN_DAYS) -> str:
    """An access token (valid ``days`` days) for the bots' service user, created on first use
    with an unusable password (it never logs in with one). Call it in a unit of work::

        with session_scope() as session:
            token = ensure_bot_identity(session)

    Deactivating the user (``PATCH /users/{id}``) or rotating the credential
    (:func:`bot_credential`) revokes every bot token at once.
    """
    user = _bot_identity(session)
    return create_access_token(
        user.id, Role.bot.value, version=user.token_version, minutes=days * 24 * 60
    )


def bot_credential(session: Session, actor: Actor, days: int, *, rotate: bool) -> str:
    """A bot token for bots in their own process (``COBRO_BOT_TOKEN``). ``rotate`` first
    revokes every earlier one: bots holding one get 401 until given the new credential (the
    backend's in-process bots mint themselves a new one)."""
    user = _bot_identity(session)
    if rotate:
        users.revoke_tokens(session, actor, user)
    else:
        audit.record(session, actor, "user.token_issued", "user", user.id, after={"days": days})
    return ensure_bot_identity(session, days)


def _bot_identity(session: Session) -> User:
    user = users_repository.by_email(session, BOT_EMAIL)
    if user is None:
        try:
            with session.begin_nested():
                user = User(
                    email=BOT_EMAIL,
                    full_name="Cobro bots",
                    password_hash=hash_password(secrets.token_urlsafe(32)),
                    role=Role.bot,
                )
                session.add(user)
                session.flush()
        except IntegrityError:  # created concurrently by another process
            user = users_repository.by_email(session, BOT_EMAIL)
        else:
            audit.record(
                session, Actor.system(), "user.created", "user", user.id, after=audit.snapshot(user)
            )
    if user is None or user.role != Role.bot or not user.is_active:
        raise BotIdentityUnusable()
    return user


def bound_ids(row: Conversation | None, now: datetime) -> list[uuid.UUID]:
    """The debtors a chat is bound to now (empty when unbound or expired)."""
    if row is None or row.bound_until is None or row.bound_until <= now:
        return []
    return [uuid.UUID(i) for i in row.debtor_ids]


def read(session: Session, chat: Chat) -> ConversationRead:
    return read_row(session, chat, repository.conversation(session, chat.channel, chat.user_id))


def read_row(session: Session, chat: Chat, row: Conversation | None) -> ConversationRead:
    """The chat as ``read`` answers it, from its row (None: a chat never seen)."""
    now = utcnow()
    live = row is not None and row.expires_at is not None and row.expires_at > now
    ids = bound_ids(row, now)
    first = session.get(Debtor, ids[0]) if ids else None
    locked = None if ids else lockout.chat_locked_until(session, chat.channel, chat.user_id, now)
    return ConversationRead(
        channel=chat.channel,  # type: ignore[arg-type]
        user_id=chat.user_id,
        language=row.language if row else None,
        step=row.step if row and live else "start",
        data=row.data if row and live else {},
        expires_at=row.expires_at if row and live else None,
        verified=bool(ids),
        first_name=first_name(first) if first else None,
        bound_until=row.bound_until if ids and row else None,
        opted_out=row is not None and row.opted_out_at is not None,
        locked_until=locked,
    )


def first_name(debtor: Debtor) -> str:
    return debtor.company_name or debtor.first_name or debtor.display_name


def write(session: Session, chat: Chat, body: ConversationWrite) -> ConversationRead:
    """Store the bot's state for the chat; it lives :data:`IDLE` from now."""
    store(session, chat, body)
    return read(session, chat)


def store(session: Session, chat: Chat, body: ConversationWrite) -> None:
    """``write`` without reading the chat back."""
    if len(json.dumps(body.data, default=str)) > MAX_STATE_CHARS:
        raise ValidationFailed("error.conversation_state_too_large", limit=MAX_STATE_CHARS)
    row = repository.get_or_create(session, chat.channel, chat.user_id)
    row.language, row.step, row.data = body.language, body.step, body.data
    row.expires_at = utcnow() + IDLE
    session.add(row)
    session.flush()


STALE_CLAIM = timedelta(seconds=90)


def claim(session: Session, chat: Chat, message_id: str) -> repository.Claim:
    """Whether the bot should answer this message (its first claim, a retake of a claim whose
    reply could not be sent, or of one never settled within ``STALE_CLAIM``: the worker died
    before delivering), with the reply stored by an earlier failed send, if any."""
    return repository.claim_message(
        session, chat.channel, chat.user_id, message_id, utcnow() - STALE_CLAIM
    )


def settle(
    session: Session,
    chat: Chat,
    message_id: str,
    delivered: bool,
    state: ConversationWrite | None = None,
    reply: list[dict[str, Any]] | None = None,
) -> None:
    """After the adapter sent (or failed to send) the reply of a claimed message. The turn's
    ``state`` is stored with a delivered reply, and with one that could not be sent but is
    kept (``reply``) to be sent again: the turn happened either way, so the chat, what the turn
    did and the reply the person gets settle together. In one transaction."""
    if state is not None and (delivered or reply is not None):
        store(session, chat, state)
    repository.settle_message(session, chat.channel, chat.user_id, message_id, delivered, reply)


def bound_debtors(session: Session, chat: Chat) -> list[uuid.UUID]:
    ids = bound_ids(repository.conversation(session, chat.channel, chat.user_id), utcnow())
    if not ids:
        raise VerificationRequired()
    return ids


class BoundAccount(NamedTuple):
    """An account of the chat's debtors, with what the bot shows about it."""

    account: Account
    portfolio: Portfolio
    creditor: Creditor


def bound_account(session: Session, chat: Chat, account_id: uuid.UUID) -> BoundAccount:
    """An account of the chat's debtors (any status): 403 ``verification_required`` for an
    unbound chat, 404 for anyone else's account."""
    ids = bound_debtors(session, chat)
    found = repository.account_context(session, account_id)
    if found is None or found[0].debtor_id not in ids:
        raise NotFound()
    return BoundAccount(*found)


def bound_offer(session: Session, chat: Chat, offer_id: uuid.UUID) -> Offer:
    """An offer made on an account of the chat's debtors (404 otherwise)."""
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound()
    bound_account(session, chat, offer.account_id)
    return offer


def _to_bot_account(account: Account, portfolio: Portfolio, creditor: Creditor) -> BotAccount:
    today = today_in(portfolio.timezone)
    return BotAccount(
        id=account.id,
        creditor=creditor.name,
        product=account.product,
        reference=account.external_ref[-4:],
        currency=account.currency,
        balance_minor=account.balance_minor,
        status=account.status,
        due_date=account.due_date,
        days_past_due=days_past_due(account, today),
        today=today,
        country=portfolio.country,
        timezone=portfolio.timezone,
    )


def accounts(session: Session, chat: Chat) -> list[BotAccountDetail]:
    """The open accounts of the chat's debtors, each with its active plan and open promise
    (what a balance check shows: the bot needs no second call for the account it is about)."""
    rows = repository.accounts_of(session, bound_debtors(session, chat), OPEN_STATUSES)
    return [_to_detail(session, *row) for row in rows]


def paid_accounts(session: Session, chat: Chat) -> list[BotAccountDetail]:
    """The chat's debtors' accounts paid in full (closed): where their receipts and the
    paid-in-full certificate are."""
    rows = repository.accounts_of(session, bound_debtors(session, chat), (AccountStatus.paid,))
    return [_to_detail(session, *row) for row in rows]


def unbind(session: Session, actor: Actor, chat: Chat) -> ConversationRead:
    """End the chat's binding (the portal's sign-out): its debtors must verify again. Audited
    when a binding ended; an unbound chat answers the same, nothing recorded."""
    row = repository.conversation(session, chat.channel, chat.user_id, lock=True)
    if row is not None and row.debtor_ids:
        before = {"debtor_ids": row.debtor_ids, "bound_via": row.bound_via}
        row.debtor_ids = []
        row.bound_until = None
        row.bound_via = None
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "conversation.unbound",
            "conversation",
            row.id,
            before=before,
            after={"channel": row.channel, "reason": "signed_out"},
        )
    return read(session, chat)


def account_detail(session: Session, bound: BoundAccount) -> BotAccountDetail:
    return _to_detail(session, *bound)


def _to_detail(
    session: Session, account: Account, portfolio: Portfolio, creditor: Creditor
) -> BotAccountDetail:
    plan = plans_repository.active_plan(session, account.id)
    promise = promises_repository.open_for_account(session, account.id)
    return BotAccountDetail(
        **_to_bot_account(account, portfolio, creditor).model_dump(),
        plan=plans.plan_to_read(session, plan) if plan else None,
        promise=PromiseRead.model_validate(promise, from_attributes=True) if promise else None,
    )


def offers(session: Session, actor: Actor, chat: Chat, account: Account) -> list[OfferRead]:
    """The one-tap offers: the account's last ones while all of them can still be accepted
    (asking again, or seeing them beside the balance, neither spends the channel's
    self-service negotiation quota nor makes the buttons already sent stale), else fresh ones
    (the quota applies)."""
    valid_after = utcnow() + OFFER_MARGIN
    rows = repository.open_offer_batch(session, account.id, account.balance_minor, valid_after)
    if not rows:  # (accepting one of them leaves the batch no longer all open)
        with named_refusals():
            rows = plans.generate_offers(session, actor, account.id, ACTION_CHANNELS[chat.channel])
    return [plans.offer_to_read(row) for row in rows]


def propose(
    session: Session, actor: Actor, chat: Chat, account: Account, body: BotProposal
) -> ProposalResult:
    request = ProposalRequest.model_validate(
        {**body.model_dump(), "channel": ACTION_CHANNELS[chat.channel]}
    )
    with named_refusals():
        outcome = plans.propose(session, actor, account.id, request)
    return ProposalResult(
        outcome=outcome.status.value,
        offer=plans.offer_to_read(outcome.offer) if outcome.offer else None,
        violations=outcome.violations,
        task_id=outcome.task.id if outcome.task else None,
    )


def accept(session: Session, actor: Actor, chat: Chat, offer: Offer) -> PlanRead:
    with named_refusals():
        plan = plans.accept(session, actor, offer.id, ACTION_CHANNELS[chat.channel])
    return plans.plan_to_read(session, plan)


def message_key(kind: str, chat: Chat, message_id: str) -> str:
    """A retry-safe key for a write caused by one chat message (44 characters)."""
    raw = f"{kind}|{chat.channel}|{chat.user_id}|{message_id}".encode()
    return "bot:" + hashlib.sha256(raw).hexdigest()[:40]


def payment_link(
    session: Session, actor: Actor, chat: Chat, account: Account, body: BotLinkCreate
) -> tuple[PaymentLink, bool]:
    with named_refusals():
        return payments.create_link(
            session,
            actor,
            account.id,
            LinkRequest(
                purpose=body.purpose,
                created_by_kind="bot",
                client_key=message_key("link", chat, body.message_id),
                language=body.language.value,
            ),
        )


def promise(
    session: Session, actor: Actor, chat: Chat, account: Account, body: BotPromiseCreate
) -> tuple[Promise, bool]:
    with named_refusals():
        return promises.create(
            session,
            actor,
            account.id,
            PromiseRequest(
                amount_minor=from_decimal(body.amount, account.currency),
                currency=account.currency,
                due_date=body.due_date,
                channel=ACTION_CHANNELS[chat.channel],
                recorded_by_kind="bot",
                client_id=message_key("promise", chat, body.message_id),
            ),
        )


def evidence(
    session: Session,
    actor: Actor,
    chat: Chat,
    *,
    message_id: str,
    account_id: uuid.UUID | None,
    filename: str,
    content_type: str,
    content: bytes,
    caption: str | None,
) -> EvidenceRead:
    """A payment voucher sent in the chat, kept on the given account of the chat's debtors (by
    default the oldest open one) with a task for its agent to check it; the same message again
    returns the voucher stored the first time."""
    if account_id is not None:
        account, portfolio, _ = bound_account(session, chat, account_id)
    else:
        found = repository.accounts_of(session, bound_debtors(session, chat), OPEN_STATUSES)
        if not found:
            raise NotFound()
        account, portfolio, _ = found[0]
    row, _ = vouchers.record(
        session,
        actor,
        account,
        today_in(portfolio.timezone),
        client_key=message_key("evidence", chat, message_id),
        channel=chat.channel,
        filename=filename,
        content_type=content_type,
        content=content,
        caption=caption,
    )
    assert row.task_id is not None  # opened with it
    return EvidenceRead(
        id=row.id,
        account_id=row.account_id,
        task_id=row.task_id,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        created_at=row.created_at,
    )


def handoff(session: Session, actor: Actor, chat: Chat, body: HandoffCreate) -> HandoffResult:
    """A callback request for a person (the account's agent; unassigned accounts' requests
    wait unassigned) on the given account or on every open one. An account's request still
    open is reused rather than doubled.

    An unverified chat (one locked out of verification, say) may name the national ID it gave:
    that ID's debtors get the request (the person is called on the phone on file), and the
    answer lists no task whether or not the ID exists, so the chat learns nothing."""
    anonymous = body.account_id is None and body.id_number is not None
    if anonymous and bound_ids(
        repository.conversation(session, chat.channel, chat.user_id), utcnow()
    ):
        anonymous = False  # a verified chat asks for its own accounts
    if body.account_id is not None:
        targets = [bound_account(session, chat, body.account_id)]
    elif anonymous:
        holders = repository.debtors_by_id_number(session, _plain_id(body.id_number or ""), None)
        targets = repository.accounts_of(session, [d.id for d in holders], OPEN_STATUSES)
    else:
        targets = repository.accounts_of(session, bound_debtors(session, chat), OPEN_STATUSES)
    found = []
    for account, portfolio, _ in targets:
        task = repository.open_callback(session, account.id) or tasks.open_task(
            session,
            actor,
            account,
            TaskKind.callback_request,
            today_in(portfolio.timezone),
            {"channel": chat.channel, "contact": chat.user_id, "reason": body.reason},
            dedupe_key=message_key(f"handoff:{account.id}", chat, body.message_id),
        )
        found.append(task.id)
    return HandoffResult(task_ids=[] if anonymous else found)


def _plain_id(number: str) -> str:
    """A national ID as stored: upper case, without separators."""
    return re.sub(r"[\s.\-/]", "", number).upper()[:32]


def set_opt_out(session: Session, actor: Actor, chat: Chat, opted_out: bool) -> OptOutResult:
    """Opt the chat out (or back in); when the channel is a contact channel, the bound debtors'
    ``opt_outs`` follow, and so do, on opting out, the debtors whose linked chat it is (it is
    unlinked from them: ``backend.debtors.chats``). A bound chat opting back in is linked to its
    debtors again. Repeating it changes nothing."""
    row = repository.get_or_create(session, chat.channel, chat.user_id)
    changed = 0
    if (row.opted_out_at is not None) != opted_out:
        row.opted_out_at = utcnow() if opted_out else None
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "conversation.opted_out" if opted_out else "conversation.opted_in",
            "conversation",
            row.id,
            after={"channel": chat.channel},
        )
    contact = CONTACT_CHANNELS.get(chat.channel)
    if contact is None:
        return OptOutResult(opted_out=opted_out, debtors=changed)
    debtor_ids = bound_ids(row, utcnow())
    others = chat_debtors(session, chat) if opted_out else phone_debtors(session, chat)
    debtor_ids += [i for i in others if i not in debtor_ids]
    for debtor_id in debtor_ids:
        debtor = session.get(Debtor, debtor_id)
        if debtor is None:
            continue
        if contact_service.set_opt_out(
            session, actor, debtor, contact, opted_out, source=f"chat:{chat.channel}"
        ):
            changed += 1
        if opted_out:
            chats.unlink(session, actor, debtor.id, contact)
        else:
            chats.link(session, actor, debtor, contact, chat.user_id)
    return OptOutResult(opted_out=opted_out, debtors=changed)


# The contact channels a verified debtor may turn off on their own (the portal's preferences).
SELF_SERVICE_OPT_OUTS = (
    Channel.whatsapp,
    Channel.telegram,
    Channel.sms,
    Channel.email,
    Channel.phone,
)


def contact_preferences(session: Session, chat: Chat) -> ContactPreferences:
    """The channels any of the chat's verified debtors opted out of."""
    found = {
        channel
        for debtor_id in bound_debtors(session, chat)
        if (debtor := session.get(Debtor, debtor_id)) is not None
        for channel in debtor.opt_outs
    }
    return ContactPreferences(opted_out=[c for c in Channel if c.value in found])


def set_contact_preferences(
    session: Session, actor: Actor, chat: Chat, body: ContactPreferences
) -> ContactPreferences:
    """Opt the chat's verified debtors out of exactly the self-service channels listed (and
    back into the others): each change is audited on the debtor with the chat as its source;
    opting out of Telegram unlinks their Telegram chat. Repeating it changes nothing."""
    refused = [c.value for c in body.opted_out if c not in SELF_SERVICE_OPT_OUTS]
    if refused:
        raise ValidationFailed("error.opt_out_channel", channels=", ".join(refused))
    for debtor_id in bound_debtors(session, chat):
        debtor = session.get(Debtor, debtor_id)
        if debtor is None:
            continue
        for channel in SELF_SERVICE_OPT_OUTS:
            off = channel in body.opted_out
            contact_service.set_opt_out(
                session, actor, debtor, channel, off, source=f"chat:{chat.channel}"
            )
            if off:
                chats.unlink(session, actor, debtor.id, channel)
    return contact_preferences(session, chat)


def phone_debtors(session: Session, chat: Chat) -> list[uuid.UUID]:
    """The debtors with a WhatsApp chat's own phone on file (none for other channels)."""
    if chat.channel != Channel.whatsapp.value or not chat.user_id.isdigit():
        return []
    return repository.debtors_with_phone(session, f"+{chat.user_id}")


def chat_debtors(session: Session, chat: Chat) -> list[uuid.UUID]:
    """Who a chat reaches without being bound to them: the debtors whose linked chat it is
    (Telegram) or whose phone on file it writes from (WhatsApp)."""
    contact = CONTACT_CHANNELS.get(chat.channel)
    if contact is None:
        return []
    found = chats.linked_to(session, contact, chat.user_id)
    return found + [i for i in phone_debtors(session, chat) if i not in found]


PORTAL_LINK = timedelta(hours=1)


def portal_link(session: Session, actor: Actor, chat: Chat, account: Account) -> PortalLinkRead:
    """A signed portal sign-in link (single-use, an hour) for the debtor of one of the chat's
    accounts, opening on that account's documents: what a chat asking for its schedule,
    receipts or certificate is given."""
    expires_at = (utcnow() + PORTAL_LINK).replace(microsecond=0)
    token = links.sign(account.debtor_id, expires_at, get_settings().secret_key)
    audit.record(
        session,
        actor,
        "debtor.portal_link_created",
        "debtor",
        account.debtor_id,
        after={"channel": chat.channel, "account_id": str(account.id)},
    )
    base = get_settings().public_url.rstrip("/")
    url = f"{base}/portal/start/{token}?documents={account.id}"
    return PortalLinkRead(url=url, expires_at=expires_at)


def chat_link(session: Session, actor: Actor, debtor: Debtor, hours: int) -> ChatLinkRead:
    """A signed start token for a debtor the caller may see (their guard loaded it), unless
    their personal data was erased."""
    if debtor.erased_at is not None:
        raise DebtorErased()
    expires_at = (utcnow() + timedelta(hours=hours)).replace(microsecond=0)
    token = links.sign(debtor.id, expires_at, get_settings().secret_key)
    telegram, whatsapp = links.channel_urls(token)
    audit.record(
        session,
        actor,
        "debtor.chat_link_created",
        "debtor",
        debtor.id,
        after={"expires_at": expires_at.isoformat()},
    )
    return ChatLinkRead(
        token=token, expires_at=expires_at, telegram_url=telegram, whatsapp_url=whatsapp
    )


def sample_chat(session: Session, hours: int = 24) -> tuple[Debtor, str, str] | None:
    """For trying the bot on demo data (``cobro chat --demo``, never in production): a debtor
    who owes something, the last four digits of their phone, and a chat-link token for them."""
    found = repository.sample_debtor(session, OPEN_STATUSES)
    if found is None:
        return None
    debtor, phone = found
    expires_at = utcnow() + timedelta(hours=hours)
    return debtor, phone[-4:], links.sign(debtor.id, expires_at, get_settings().secret_key)
