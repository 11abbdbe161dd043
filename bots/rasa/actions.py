"""Rasa custom actions backed by the conversation core: ``python -m bots.rasa`` (port 5055).

Rasa understands the message (intents, entities); the core still decides and words every
answer, exactly as on WhatsApp and Telegram: each action turns the latest message into an
``Incoming`` for the Rasa chat (``sender_id``) and utters the core's reply. Buttons come back
as payloads ``/choose{"choice": "<id>"}`` (``/accept_offer`` for offers, ``/payment_link``
for payment purposes), so a press reaches the core as the same ``choice`` a channel sends.

| action | what the core gets |
|---|---|
| ``action_check_balance`` | the ``menu:balance`` choice |
| ``action_offers`` | ``menu:offers`` |
| ``action_accept_offer`` | the ``choice`` entity (``offer:<id>``) |
| ``action_counter_proposal`` | the text if it has figures ("200 al mes"), else ``neg:counter`` |
| ``action_payment_link`` | the ``choice`` entity (``pay:<purpose>``), else ``menu:pay`` |
| ``action_promise`` | the text when it has figures (a date, an amount), else ``menu:promise`` |
| ``action_handoff`` | ``menu:agent`` |
| ``action_opt_out`` | the opt-out keyword ``BAJA`` |
| ``action_choose`` | the ``choice`` entity of any other button |
| ``action_cobro_reply`` | the text as typed (verification answers, anything else) |

The API is ``COBRO_API_URL`` with ``COBRO_BOT_TOKEN``; one core serves the whole process.
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bots.app import LazyConversation, core_conversation
from bots.config import get_bot_settings
from bots.core.messages import Conversation, Incoming, Outgoing

ConversationSource = Callable[[], Awaitable[Conversation]]

# The ids the backend accepts for a chat; other Rasa sender ids are replaced by a hash.
_USER_ID = re.compile(r"^[A-Za-z0-9+_.:@-]{1,64}$")
# Button ids whose presses have an intent of their own in the example domain.
_PAYLOAD_INTENTS = {"offer": "accept_offer", "pay": "payment_link"}
OPT_OUT_KEYWORD = "BAJA"

_shared: LazyConversation | None = None


def shared_conversation() -> LazyConversation:
    """The process's core, from the environment (built on first use)."""
    global _shared
    if _shared is None:
        settings = get_bot_settings()
        if not settings.bot_token:
            raise RuntimeError("COBRO_BOT_TOKEN is not set (cobro bot-token)")
        _shared = LazyConversation(core_conversation(settings.api_url, lambda: settings.bot_token))
    return _shared


def payload(button_id: str) -> str:
    """The Rasa payload of a button: an intent with the button id as the ``choice`` entity."""
    intent = _PAYLOAD_INTENTS.get(button_id.partition(":")[0], "choose")
    return f"/{intent}{json.dumps({'choice': button_id}, ensure_ascii=False)}"


def utter(dispatcher: CollectingDispatcher, outgoing: Outgoing) -> None:
    buttons = [{"title": b.label, "payload": payload(b.id)} for b in outgoing.buttons]
    if outgoing.url:
        buttons.insert(0, {"title": outgoing.url, "url": outgoing.url, "type": "web_url"})
    dispatcher.utter_message(text=outgoing.text, buttons=buttons)


class CobroAction(Action, ABC):
    """Hands the latest message to the core as a choice or as text; utters the reply.
    Abstract (the action server registers only the concrete actions below)."""

    choice: ClassVar[str | None] = None  # sent when the message itself carries none

    def __init__(self, conversation: ConversationSource | None = None) -> None:
        self._conversation = conversation

    @property
    @abstractmethod
    def action_name(self) -> str:
        """The action's name in the Rasa domain."""

    def name(self) -> str:
        return self.action_name

    def message(self, tracker: Tracker) -> tuple[str, str | None]:
        """(text, choice) for the core: by default the button pressed, else this action's."""
        return "", _entity(tracker, "choice") or self.choice

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        text, choice = self.message(tracker)
        incoming = Incoming(
            channel="rasa",
            user_id=_user_id(tracker.sender_id),
            message_id=_message_id(tracker),
            text=text,
            choice=choice,
            language_hint=(tracker.latest_message.get("metadata") or {}).get("language"),
        )
        conversation = await (self._conversation or shared_conversation())()
        reply = await conversation.handle(incoming)
        if not reply.duplicate:
            for outgoing in reply.messages:
                utter(dispatcher, outgoing)
        return []


class FiguresOrChoice(CobroAction):
    """Typed terms with figures ("200 al mes", "el 15/12") go as text; else this choice."""

    def message(self, tracker: Tracker) -> tuple[str, str | None]:
        text = tracker.latest_message.get("text") or ""
        if any(c.isdigit() for c in text) and not text.startswith("/"):
            return text, None
        return super().message(tracker)


class CheckBalance(CobroAction):
    action_name = "action_check_balance"
    choice = "menu:balance"


class Offers(CobroAction):
    action_name = "action_offers"
    choice = "menu:offers"


class AcceptOffer(CobroAction):
    action_name = "action_accept_offer"
    choice = "menu:offers"  # no offer named: show them


class CounterProposal(FiguresOrChoice):
    action_name = "action_counter_proposal"
    choice = "neg:counter"


class PaymentLink(CobroAction):
    action_name = "action_payment_link"
    choice = "menu:pay"


class Promise(FiguresOrChoice):
    action_name = "action_promise"
    choice = "menu:promise"


class Handoff(CobroAction):
    action_name = "action_handoff"
    choice = "menu:agent"


class OptOut(CobroAction):
    action_name = "action_opt_out"

    def message(self, tracker: Tracker) -> tuple[str, str | None]:
        return OPT_OUT_KEYWORD, None


class Choose(CobroAction):
    action_name = "action_choose"
    choice = "menu:main"


class FreeText(CobroAction):
    action_name = "action_cobro_reply"

    def message(self, tracker: Tracker) -> tuple[str, str | None]:
        return tracker.latest_message.get("text") or "", None


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


def _user_id(sender_id: str) -> str:
    if _USER_ID.match(sender_id):
        return sender_id
    return "h." + hashlib.sha256(sender_id.encode()).hexdigest()[:40]


def _message_id(tracker: Tracker) -> str:
    """Rasa's id of the user message; the events count when a channel sends none."""
    message_id = tracker.latest_message.get("message_id")
    return str(message_id)[:128] if message_id else f"event-{len(tracker.events)}"
