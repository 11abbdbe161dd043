"""The conversation core: one ``handle(incoming) -> Reply`` for every channel.

Each message is handled in this order:

1. Inbox: the message id is claimed at the backend; a duplicate delivery answers nothing
   (``Reply(duplicate=True)``), across restarts and workers. A message whose reply was made
   but could not be sent comes back with that stored reply, which is returned as is: the turn
   (and what it did: a plan accepted, a promise recorded) is never run twice, so a redelivery
   never contradicts what happened.
2. The chat's state comes with the claim (it survives bot restarts and expires when idle).
3. Routing, first match wins: an opted-out chat (only "ALTA"/"START" is heard); "BAJA"/"STOP";
   a chat-link token (``deep_link`` or in the text); a button press (``choice``); a photo,
   document, voice note, sticker or location (``media``); the current step's expected answer
   (an ID, a date, a yes...); the intent of the text; otherwise, for a verified debtor, their
   balance and options (``debts.overview``), for anyone else what they can do. A first message
   of a new chat gets the greeting (the language question only when the text does not say it;
   what it asked for is done after verifying).
4. The replies are returned and the state is saved: at once, or, for a channel whose adapter
   settles the message after sending the reply (``Incoming.settles``), with that settlement
   (one call): delivered, or not delivered together with the reply, kept for the redelivery.

Anything about a debt needs a verified chat; asking for it first starts the verification and
does it afterwards. The API down, or any unexpected error, gives a ``Reply(retry=True)``: webhook
channels have the platform deliver the message again, the others show its apology (never
silence, never a stack trace).

Construct one per process and share it between chats::

    core = ConversationCore.connect("http://127.0.0.1:8000", token=bot_token)
    reply = await core.handle(Incoming("telegram", "12345", "msg-1", text="hola"))
    await core.aclose()
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, NamedTuple

import httpx

from bots.core import (
    debts,
    disputes,
    documents,
    identity,
    media,
    negotiation,
    parsing,
    promises,
    support,
)
from bots.core.messages import Button, ChatChannel, Incoming, Outgoing, Reply, UnreachableReason
from bots.core.parsing import Intent
from bots.core.turn import Turn
from shared.client.bot import BotApi
from shared.client.errors import ApiError, ApiUnavailable, AuthError, CobroClientError
from shared.i18n import normalize_language, t
from shared.schemas.conversations import BotButton, BotMessage, ConversationWrite
from shared.schemas.enums import Language
from shared.schemas.outbound import DeliveryReport

log = logging.getLogger("cobro.bots")
PROVISIONAL_CURRENCY = "USD"
MAX_UNSAVED = 10_000

Handler = Callable[[Turn], Awaitable[bool]]
# Steps that wait for typed input: the handler answers False when the text is not that input,
# and the text is then read for an intent.
STEPS: dict[str, Handler] = {
    "ask_id": identity.on_id,
    "locked": identity.on_id,  # an ID typed once the pause is over is taken at once
    "ask_factor": identity.on_factor,
    "promise_date": promises.on_date,
    "promise_amount": promises.on_amount,
    "agent_id": support.on_agent_id,
}
# What to ask again when a step's input was not understood.
REPROMPTS = {
    "ask_id": "bot.verify.bad_id",
    "ask_factor": "bot.verify.bad_factor",
    "promise_date": "bot.promise.ask_date",
    "promise_amount": "bot.promise.amount_hint",
    "ask_count": "bot.propose.ask_count",
    "agent_id": "bot.agent.ask_id",
}


class ConversationCore:
    """The channel-agnostic bot (``bots.core.messages.Conversation``), talking to the backend
    only through :class:`shared.client.bot.BotApi`. ``today`` is the clock used before an
    account (and so its portfolio's local date) is known."""

    def __init__(self, api: BotApi, *, today: Callable[[], date] = date.today) -> None:
        self.api = api
        self._today = today
        # The state and reply of turns whose adapter settles them, until it does (``settle``).
        self._unsaved: dict[tuple[str, str, str], _Unsaved] = {}

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        token: str,
        renew: Callable[[], Awaitable[str]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> ConversationCore:
        """A core for the API at ``base_url`` with a bot token (``transport``: in-process;
        ``renew``: how to get a new token when this one is refused)."""
        return cls(BotApi.connect(base_url, token=token, renew=renew, transport=transport))

    async def aclose(self) -> None:
        await self.api.aclose()

    async def settle(self, incoming: Incoming, *, delivered: bool) -> None:
        """After the adapter sent the reply (``delivered``) or failed to. A settling turn's
        state goes with the settlement; one whose reply could not be sent keeps that reply
        with its state, so that the channel's redelivery sends the same reply again (a turn
        that failed before replying, or a stored reply sent again, just releases the claim)."""
        chat = self.api.chat(incoming.channel, incoming.user_id)
        unsaved = self._unsaved.pop(_turn_key(incoming), None)
        state = unsaved.state if unsaved else None
        reply = None if delivered or unsaved is None else unsaved.reply
        try:
            try:
                await chat.settle(
                    incoming.message_id, delivered=delivered, state=state, reply=reply
                )
            except ApiError:  # the state refused (too large): the settlement still counts
                if state is None:
                    raise
                log.warning("bot state not saved", exc_info=True)
                await chat.settle(incoming.message_id, delivered=delivered, reply=reply)
        except CobroClientError:  # an unsettled claim is retaken after a while anyway
            log.warning("bot inbox not settled for %s", incoming.channel, exc_info=True)

    async def report_deliveries(self, reports: list[DeliveryReport]) -> None:
        """Relay delivery statuses to the backend (errors of the client are raised)."""
        await self.api.report_deliveries(reports)

    async def unreachable(
        self, channel: ChatChannel, user_id: str, reason: UnreachableReason, detail: str
    ) -> None:
        """Record at the backend that the platform refused this chat for good (errors of the
        client are raised: a webhook then answers 5xx and the platform tells us again)."""
        await self.api.chat(channel, user_id).unreachable(reason, detail[:300])

    async def handle(self, incoming: Incoming) -> Reply:
        try:
            return await self._handle(incoming)
        except Exception:
            log.exception("bot turn failed on %s", incoming.channel)
            apology = t("bot.error", normalize_language(incoming.language_hint))
            return Reply([Outgoing(apology)], retry=True)

    async def _handle(self, incoming: Incoming) -> Reply:
        chat = self.api.chat(incoming.channel, incoming.user_id, per_turn=True)
        try:
            claimed = await chat.claim(incoming.message_id)
            if claimed.duplicate:
                return Reply(duplicate=True)
            if claimed.reply is not None:  # made before, not delivered: the same reply again
                return Reply([_outgoing(message) for message in claimed.reply])
            state = claimed.state or await chat.state()
        except CobroClientError:
            log.warning("bot API unavailable for %s", incoming.channel, exc_info=True)
            return Reply(
                [Outgoing(t("bot.unavailable", normalize_language(incoming.language_hint)))],
                retry=True,
            )
        turn = Turn.begin(incoming, chat, state, self._today())
        try:
            await _route(turn)
        except AuthError as exc:
            if exc.code != "verification_required":  # the bot's own token was refused
                log.error("bot API refused the bot: %s", exc)
                return Reply([Outgoing(t("bot.unavailable", turn.language))])
            identity.reverify(turn)
        except ApiUnavailable:
            log.warning("bot API unavailable mid-turn", exc_info=True)
            return Reply([Outgoing(t("bot.unavailable", turn.language))], retry=True)
        if incoming.settles:
            self._keep_unsaved(incoming, turn)
            return Reply(turn.out)
        try:
            await chat.save(turn.step, turn.data, Language(turn.language))
        except CobroClientError:  # the answers stand; the next message starts from older state
            log.warning("bot state not saved", exc_info=True)
        return Reply(turn.out)

    def _keep_unsaved(self, incoming: Incoming, turn: Turn) -> None:
        """Hold the turn's state for ``settle``; an adapter that never settles (it crashed
        mid-turn) leaves at most ``MAX_UNSAVED`` such states behind, the oldest dropped."""
        if len(self._unsaved) >= MAX_UNSAVED:
            del self._unsaved[next(iter(self._unsaved))]
        state = ConversationWrite(step=turn.step, data=turn.data, language=Language(turn.language))
        self._unsaved[_turn_key(incoming)] = _Unsaved(state, [_stored(m) for m in turn.out])


class _Unsaved(NamedTuple):
    state: ConversationWrite
    reply: list[BotMessage]


def _turn_key(incoming: Incoming) -> tuple[str, str, str]:
    return (incoming.channel, incoming.user_id, incoming.message_id)


def _stored(message: Outgoing) -> BotMessage:
    return BotMessage(
        text=message.text,
        buttons=[BotButton(id=b.id, label=b.label) for b in message.buttons],
        list_title=message.list_title,
        url=message.url,
    )


def _outgoing(message: BotMessage) -> Outgoing:
    return Outgoing(
        text=message.text,
        buttons=tuple(Button(b.id, b.label) for b in message.buttons),
        list_title=message.list_title,
        url=message.url,
    )


async def _route(turn: Turn) -> None:
    await _first(turn)
    for _ in range(3):  # a verification or account choice may release a waiting action
        pending, turn.resume = turn.resume, None
        if not pending:
            return
        if "text" in pending:
            turn.text = pending["text"]
            await _text(turn)
        else:
            await _action(turn, pending["action"])


async def _first(turn: Turn) -> None:
    text, choice, attached = turn.text, turn.incoming.choice, turn.incoming.media
    if turn.state.opted_out:
        await support.opted_out(turn)
    elif text and not choice and parsing.is_opt_out(text):
        await support.opt_out(turn)
    elif token := turn.incoming.deep_link or parsing.chat_token(text):
        await identity.by_token(turn, token)
    elif choice:
        await _choice(turn, choice)
    elif attached is not None:
        await media.on_media(turn, attached)
    elif _new_chat(turn):
        found = _understand(turn, text, None)
        if found.intent not in (None, Intent.menu):
            turn.data["pending"] = {"text": text}
        identity.greet(turn)
    elif (handler := STEPS.get(turn.step)) is None or not await handler(turn):
        await _text(turn)


def _new_chat(turn: Turn) -> bool:
    return turn.step == "start" and turn.state.language is None and not turn.verified


def _understand(turn: Turn, text: str, currency: str | None) -> parsing.Understanding:
    """Amounts are read in the account's currency; before it is known, in a two-decimal one,
    only to recognise the intent (the text is read again once the account is chosen). Dates
    are read against the portfolio's local today, day first unless it is in the US."""
    return parsing.understand(
        text,
        today=turn.today,
        lang=turn.language,
        currency=currency or PROVISIONAL_CURRENCY,
        day_first=turn.day_first,
    )


async def _currency(turn: Turn) -> str | None:
    """The currency amounts are read in: the chosen account's, or the one all accounts share
    (whose portfolio's country and today the text's dates are read with)."""
    if not turn.verified:
        return None
    accounts = await turn.chat.accounts()
    chosen = [a for a in accounts if str(a.id) == turn.data.get("account_id")]
    if chosen or accounts:
        turn.at((chosen or accounts)[0])
    currencies = {a.currency for a in chosen or accounts}
    return currencies.pop() if len(currencies) == 1 else None


async def _text(turn: Turn) -> None:
    text = turn.text
    has_digits = any(c.isdigit() for c in text)
    found = _understand(turn, text, await _currency(turn) if has_digits else None)
    intent = found.intent
    yes = parsing.yes_no(text)
    if turn.step == "promise_confirm" and yes is not None:
        await promises.confirm(turn, yes)
    elif turn.step == "offer_pending" and yes is not None and not found.proposes:
        await _answer_offer(turn, yes)
    elif turn.step == "ask_count" and (count := found.instalments or _bare_count(text)):
        await negotiation.propose(turn, _with_count(found, count))
    elif turn.step == "amount_kind" and (found.settlement or found.frequency):
        await negotiation.amount_kind(turn, "single" if found.settlement else "monthly")
    elif intent == Intent.language:
        _language(turn, text)
    elif intent is None and found.amount_minor and turn.step in negotiation.NEGOTIATING:
        await _action(turn, "propose", found)
    elif intent == Intent.menu and turn.verified:
        await debts.overview(turn)  # "hola": the balance and the options at once
    elif intent == Intent.balance and turn.verified:
        await debts.balance(turn, with_options=True)  # "cuánto debo": the same, per account
    elif intent is not None and intent != Intent.opt_out:
        await _action(turn, intent.value, found)
    else:
        await _unknown(turn)


def _bare_count(text: str) -> int | None:
    digits = text.strip()
    return int(digits) if digits.isdigit() and 0 < int(digits) <= 120 else None


def _with_count(found: parsing.Understanding, count: int) -> parsing.Understanding:
    return parsing.Understanding(
        intent=Intent.propose,
        instalments=count,
        frequency=found.frequency,
        percent=found.percent,
        down_payment_minor=found.down_payment_minor,
    )


async def _answer_offer(turn: Turn, yes: bool) -> None:
    offer_id = turn.data.get("offer_id")
    if yes and offer_id:
        await negotiation.accept(turn, offer_id)
    else:
        negotiation.ask_terms(turn)


def _language(turn: Turn, text: str) -> None:
    choice = parsing.language_choice(text)
    if choice is None:
        turn.say(turn.t("bot.greeting"), identity.language_buttons(turn))
    else:
        identity.choose_language(turn, choice)


async def _unknown(turn: Turn) -> None:
    if not turn.verified and identity.locked(turn):
        identity.say_locked(turn)
    elif not turn.verified:
        key = REPROMPTS.get(turn.step, "bot.verify.ask_id")
        turn.say(turn.t("bot.unknown.short") + " " + turn.t(key))
        turn.step = turn.step if turn.step in REPROMPTS else "ask_id"
    elif turn.step in REPROMPTS:
        turn.say(turn.t("bot.unknown.short") + " " + turn.t(REPROMPTS[turn.step]))
    else:
        await debts.overview(turn)  # whatever they wrote: the balance and the options


async def _action(turn: Turn, action: str, found: parsing.Understanding | None = None) -> None:
    """A menu action or an understood intent; anything but the menu needs a verified chat."""
    if action == "menu":
        if turn.verified:
            turn.menu()
        else:
            identity.ask_id(turn)
        return
    if action == "agent":
        await support.handoff(turn)
        return
    if not turn.verified:
        pending: dict[str, Any] = {"text": turn.text} if found else {"action": action}
        identity.ask_id(turn, pending)
        return
    await ACTIONS[action](turn, found)


async def _propose(turn: Turn, found: parsing.Understanding | None) -> None:
    if found is None:
        negotiation.ask_terms(turn)
    else:
        await negotiation.propose(turn, found)


async def _voucher_again(turn: Turn, _: parsing.Understanding | None) -> None:
    media.resend(turn)


ACTIONS: dict[str, Callable[[Turn, parsing.Understanding | None], Awaitable[None]]] = {
    "overview": lambda turn, _: debts.overview(turn),
    "voucher_again": _voucher_again,
    "balance": lambda turn, _: debts.balance(turn),
    "balance_detail": lambda turn, _: debts.balance_detail(turn),
    "pay": lambda turn, _: debts.pay(turn),
    "plan": lambda turn, _: debts.plan_status(turn),
    "offers": lambda turn, _: negotiation.offers(turn),
    "promise": promises.start,
    "propose": _propose,
    "dispute": disputes.open_dispute,
    "documents": documents.send_link,
}


async def _choice(turn: Turn, choice: str) -> None:
    kind, _, value = choice.partition(":")
    if kind == "lang" and value in ("es", "en"):
        identity.choose_language(turn, value)
    elif kind == "menu":
        await _action(turn, value if value in (*ACTIONS, "agent") else "menu")
    elif not turn.verified:
        identity.ask_id(turn)
    elif kind == "acct" and _is_uuid(value):
        debts.choose_account(turn, value)
    elif kind == "pay" and value in ("balance", "settlement", "instalment", "promise"):
        await debts.pay_link(turn, value)
    elif kind == "offer" and _is_uuid(value):
        await negotiation.accept(turn, value)
    elif kind == "neg" and value in ("single", "monthly"):
        await negotiation.amount_kind(turn, value)
    elif kind == "neg":
        negotiation.ask_terms(turn)
    elif kind == "promise" and value.isdigit():
        await promises.with_amount(turn, int(value))
    elif kind in ("yes", "no") and turn.step == "promise_confirm":
        await promises.confirm(turn, kind == "yes")
    else:
        turn.menu()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
