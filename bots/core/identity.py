"""Greeting, language and identity verification.

Nothing about a debt is said before the chat is verified: by a signed chat link (a Telegram
``/start`` parameter or a token in the first message), or by the national ID followed by the
last four digits of a phone on file or the date of birth (dd/mm/yyyy, in English too, except
for a US portfolio). On WhatsApp, a phone on file of the ID's debtor writing needs no second
factor: the ID verifies it. What the person asked for before verifying is kept in ``pending``
and done right after; with nothing pending, a verified debtor sees their balance and options.

A first message clearly in Spanish or English sets the language without asking; a lone "hola"
gets the language question. A chat locked out of verification (too many wrong answers: the
backend's ``locked_until``) is told when it can try again and that a person can call it; it
is asked for neither the ID nor the second factor meanwhile.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from bots.core import parsing
from bots.core.dates import parse_birth_date
from bots.core.messages import Button
from bots.core.turn import Turn
from shared.schemas.conversations import IdentifyResult


def greet(turn: Turn) -> None:
    """A new chat's first message: in the language it is clearly written in, straight to the
    ID; otherwise the language question."""
    language = parsing.language_of(turn.text)
    if language is None:
        turn.step = "language"
        turn.say(turn.t("bot.greeting"), language_buttons(turn))
        return
    turn.language = language
    turn.data["lang_chosen"] = True
    if locked(turn):
        say_locked(turn)
        return
    ask_id(turn, intro=turn.t("bot.greeting.short"))


def choose_language(turn: Turn, language: str) -> None:
    turn.language = language
    turn.data["lang_chosen"] = True
    turn.say(turn.t("bot.language.set"))
    if turn.verified:
        turn.menu()
    else:
        ask_id(turn)


def ask_id(turn: Turn, pending: dict[str, Any] | None = None, intro: str = "") -> None:
    """Start verifying (remembering what to do after it, if anything); a locked chat is told
    when it may try again instead."""
    if pending is not None:
        turn.data["pending"] = pending
    turn.data.pop("id_number", None)
    if locked(turn):
        say_locked(turn)
        return
    turn.step = "ask_id"
    text = turn.t("bot.verify.ask_id")
    if intro:  # a first message: the other language one tap away
        other = "en" if turn.language == "es" else "es"
        button = turn.button(f"lang:{other}", "bot.button.other_language")
        turn.say(f"{intro}\n{text}", [button])
    else:
        turn.say(text)


def locked(turn: Turn) -> bool:
    until = turn.state.locked_until
    return until is not None and until > datetime.now(UTC)


def say_locked(turn: Turn) -> None:
    """When the chat may try again, and that a person can call instead."""
    until = turn.state.locked_until
    seconds = (until - datetime.now(UTC)).total_seconds() if until else 0
    turn.step = "locked"
    turn.say(_wait_text(turn, seconds), [turn.button("menu:agent", "bot.button.agent")])


def _wait_text(turn: Turn, seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 90:
        return turn.t("bot.verify.locked", count=minutes)
    return turn.t("bot.verify.locked_hours", count=math.ceil(minutes / 60))


async def on_id(turn: Turn) -> bool:
    """Step ``ask_id``: the national ID (on WhatsApp, from a phone on file: verified by it)."""
    number = parsing.id_number(turn.text)
    if number is None:
        return False
    if locked(turn):
        say_locked(turn)
        return True
    if turn.incoming.channel == "whatsapp":
        result = await turn.chat.identify(number)
        if result.status != "factor_required":
            _judged(turn, result, number)
            return True
    turn.data["id_number"] = number
    turn.step = "ask_factor"
    turn.say(turn.t("bot.verify.ask_factor"))
    return True


async def on_factor(turn: Turn) -> bool:
    """Step ``ask_factor``: the last four digits of a phone, or the date of birth."""
    digits = parsing.last4(turn.text)
    born = None if digits else parse_birth_date(turn.text, turn.day_first)
    if digits is None and born is None:
        return False
    number = turn.data.pop("id_number", None)
    if number is None:
        ask_id(turn)
        return True
    result = await turn.chat.identify(number, phone_last4=digits, birth_date=born)
    _judged(turn, result, number)
    return True


def _judged(turn: Turn, result: IdentifyResult, number: str) -> None:
    if result.status == "verified":
        verified(turn, result)
    elif result.status == "locked":
        turn.data["tried_id"] = number  # for a person to call, if asked
        seconds = result.retry_after_seconds or 300
        until = datetime.now(UTC).timestamp() + seconds
        turn.state = turn.state.model_copy(
            update={"locked_until": datetime.fromtimestamp(until, UTC)}
        )
        say_locked(turn)
    else:
        turn.data["tried_id"] = number
        turn.step = "ask_id"
        turn.say(turn.t("bot.verify.failed", count=result.attempts_left or 0))


async def by_token(turn: Turn, token: str) -> None:
    """A signed chat link: verified at once, or told to verify by ID."""
    result = await turn.chat.identify_by_token(token)
    if result.status == "verified":
        verified(turn, result)
        return
    turn.say(turn.t("bot.verify.link_invalid"))
    if turn.verified:
        turn.menu()
    else:
        ask_id(turn)


def verified(turn: Turn, result: IdentifyResult) -> None:
    """Welcome, then what was asked before verifying, or else the balance and the options."""
    turn.data["name"] = result.first_name or ""
    turn.data.pop("tried_id", None)
    if result.language and not turn.data.get("lang_chosen"):
        turn.language = result.language.value
    turn.state = turn.state.model_copy(
        update={"verified": True, "first_name": result.first_name, "locked_until": None}
    )
    turn.resume = turn.data.pop("pending", None) or {"action": "overview"}
    turn.say(turn.t("bot.welcome", name=turn.name))


def reverify(turn: Turn) -> None:
    """The binding expired mid-conversation: verify again."""
    turn.state = turn.state.model_copy(update={"verified": False})
    turn.data = {k: v for k, v in turn.data.items() if k == "lang_chosen"}
    turn.say(turn.t("bot.verify.expired"))
    ask_id(turn)


def language_buttons(turn: Turn) -> list[Button]:
    return [turn.button("lang:es", "bot.button.es"), turn.button("lang:en", "bot.button.en")]
