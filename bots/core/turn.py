"""One turn of a conversation: the message, the chat's stored state and the replies so far.

Step handlers read the message and the state from a :class:`Turn`, call the API through
``turn.chat``, change ``turn.step`` and ``turn.data`` (saved by the engine at the end of the
turn) and add replies with :meth:`Turn.say`.

``data`` keys, all optional: ``lang_chosen`` (the person picked the language, or wrote
clearly in one), ``name``, ``pending`` (``{"action": ...}`` or ``{"text": ...}`` to resume
after verification or an account choice), ``id_number`` (between the two verification
questions), ``tried_id`` (the ID of a chat locked out of verification, for a person to call),
``account_id``, ``promise`` (``{"amount": minor, "date": iso}``), ``proposal`` (``{"percent":
str}``, ``{"down": minor}``, ``{"first_due": iso}``: what a counter-proposal keeps while the
rest is asked), ``terms`` (the last counter-proposal sent, to change only its date), ``offer_id``
(an offer waiting for yes or no), ``amount`` (an amount waiting to be called a single payment
or an instalment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bots.core import render
from bots.core.messages import Button, Incoming, Outgoing
from shared.client.bot import BotChat
from shared.client.errors import ApiError
from shared.i18n import t
from shared.schemas.conversations import BotAccount, ConversationRead

MENU = ("balance", "pay", "offers", "promise", "plan", "agent")
# What the API's refusals mean for a debtor (anything else: "couldn't complete that").
REFUSALS = {
    "negotiation_limit": "bot.refused.negotiation_limit",
    "plan_active": "bot.refused.plan_active",
    "offer_expired": "bot.refused.offer_gone",
    "offer_superseded": "bot.refused.offer_gone",
    "offer_stale": "bot.refused.offer_gone",
    "offer_already_accepted": "bot.refused.offer_gone",
    "nothing_to_negotiate": "bot.refused.nothing_to_pay",
    "no_matching_plan": "bot.refused.nothing_to_pay",
    "no_open_promise": "bot.refused.nothing_to_pay",
    "not_found": "bot.refused.nothing_to_pay",
    "account_not_open": "bot.refused.account_closed",
    "promise_date": "bot.refused.promise_date",
    "promise_amount": "bot.refused.promise_amount",
}
# WhatsApp shows at most three buttons; more become a list.
MAX_BUTTONS = 3


@dataclass
class Turn:
    incoming: Incoming
    chat: BotChat
    state: ConversationRead
    language: str
    today: date  # the portfolio's local today once an account is known, else the bot's
    step: str = "start"
    # The portfolio's country once an account is known: how money and dates are written and
    # read (dates day first everywhere but the US).
    country: str = ""
    timezone: str = "UTC"  # the portfolio's, once an account is known
    # What the person wrote: this message's text, or a resumed message's (see ``resume``).
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    out: list[Outgoing] = field(default_factory=list)
    # Set by a handler that finished something another action was waiting for (a
    # verification, an account choice): the engine runs it next, in the same turn.
    resume: dict[str, Any] | None = None

    @classmethod
    def begin(cls, incoming: Incoming, chat: BotChat, state: ConversationRead, today: date) -> Turn:
        language = state.language.value if state.language else None
        hint = incoming.language_hint or "es"
        return cls(
            incoming=incoming,
            chat=chat,
            state=state,
            language=language or ("en" if hint.lower().startswith("en") else "es"),
            today=today,
            step=state.step,
            text=incoming.text.strip(),
            data=dict(state.data),
        )

    @property
    def verified(self) -> bool:
        return self.state.verified

    @property
    def name(self) -> str:
        return self.data.get("name") or self.state.first_name or ""

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.language, **params)

    @property
    def day_first(self) -> bool:
        return self.country.upper() != "US"

    def money(self, minor: int, currency: str) -> str:
        return render.money(minor, currency, self.language, self.country)

    def day(self, value: date) -> str:
        return render.day(value, self.language, self.country)

    def day_of(self, moment: datetime) -> str:
        """The day ``moment`` falls on in the portfolio's time zone (a link that expires at
        01:00 UTC expires the evening before in Lima), written as :meth:`day` writes it."""
        return self.day(moment.astimezone(ZoneInfo(self.timezone)).date())

    def at(self, account: BotAccount) -> None:
        """The conversation is about ``account``: its portfolio's country, zone and today."""
        self.country, self.timezone, self.today = account.country, account.timezone, account.today

    def button(self, button_id: str, key: str, **params: Any) -> Button:
        return Button(button_id, self.t(key, **params))

    def say(
        self, text: str, buttons: tuple[Button, ...] | list[Button] = (), url: str | None = None
    ) -> None:
        buttons = tuple(buttons)
        title = self.t("bot.menu.title") if len(buttons) > MAX_BUTTONS else None
        self.out.append(Outgoing(text=text, buttons=buttons, list_title=title, url=url))

    def menu_buttons(self) -> list[Button]:
        buttons = [self.button(f"menu:{action}", f"bot.button.{action}") for action in MENU]
        other = "en" if self.language == "es" else "es"
        return [*buttons, self.button(f"lang:{other}", "bot.button.other_language")]

    def menu(self, text: str | None = None) -> None:
        """The main menu, after ``text`` (default: "how can I help you?")."""
        self.step = "menu"
        self.say(text or self.t("bot.menu.prompt", name=self.name), self.menu_buttons())

    def back_to_menu(self) -> Button:
        return self.button("menu:main", "bot.button.menu")

    def refused(self, error: ApiError, buttons: tuple[Button, ...] | list[Button] = ()) -> None:
        """Say, in the debtor's words, why the API refused something."""
        key = REFUSALS.get(error.code, "bot.refused.other")
        params = error.details if isinstance(error.details, dict) else {}
        self.say(self.t(key, **params), [*buttons, self.back_to_menu()])

    def overview_buttons(self) -> list[Button]:
        """What a verified debtor can do besides the options shown: pay, a person, the menu."""
        return [
            self.button("menu:pay", "bot.button.pay"),
            self.button("menu:agent", "bot.button.agent"),
            self.back_to_menu(),
        ]
