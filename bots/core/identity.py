"""Greeting, language choice and identity verification.

Nothing about a debt is said before the chat is verified: by a signed chat link (a Telegram
``/start`` parameter or a token in the first message), or by the national ID followed by the
last four digits of a phone on file or the date of birth. What the person asked for before
verifying is kept in ``pending`` and done right after.
"""

from __future__ import annotations

import math
from typing import Any

from bots.core import parsing
from bots.core.dates import parse_birth_date
from bots.core.messages import Button
from bots.core.turn import Turn
from shared.schemas.conversations import IdentifyResult


def greet(turn: Turn) -> None:
    turn.step = "language"
    turn.say(turn.t("bot.greeting"), language_buttons(turn))


def choose_language(turn: Turn, language: str) -> None:
    turn.language = language
    turn.data["lang_chosen"] = True
    turn.say(turn.t("bot.language.set"))
    if turn.verified:
        turn.menu()
    else:
        ask_id(turn)


def ask_id(turn: Turn, pending: dict[str, Any] | None = None) -> None:
    """Start verifying (remembering what to do after it, if anything)."""
    if pending is not None:
        turn.data["pending"] = pending
    turn.data.pop("id_number", None)
    turn.step = "ask_id"
    turn.say(turn.t("bot.verify.ask_id"))


async def on_id(turn: Turn) -> bool:
    """Step ``ask_id``: the national ID."""
    number = parsing.id_number(turn.text)
    if number is None:
        return False
    turn.data["id_number"] = number
    turn.step = "ask_factor"
    turn.say(turn.t("bot.verify.ask_factor"))
    return True


async def on_factor(turn: Turn) -> bool:
    """Step ``ask_factor``: the last four digits of a phone, or the date of birth."""
    digits = parsing.last4(turn.text)
    born = None if digits else parse_birth_date(turn.text, turn.language)
    if digits is None and born is None:
        return False
    number = turn.data.pop("id_number", None)
    if number is None:
        ask_id(turn)
        return True
    result = await turn.chat.identify(number, phone_last4=digits, birth_date=born)
    if result.status == "verified":
        verified(turn, result)
    elif result.status == "locked":
        turn.step = "ask_id"  # the API refuses until the lock ends, and says so again
        minutes = math.ceil((result.retry_after_seconds or 1800) / 60)
        turn.say(turn.t("bot.verify.locked", minutes=minutes))
    else:
        turn.step = "ask_id"
        turn.say(turn.t("bot.verify.failed", count=result.attempts_left))
    return True


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
    turn.data["name"] = result.first_name or ""
    if result.language and not turn.data.get("lang_chosen"):
        turn.language = result.language.value
    turn.state = turn.state.model_copy(update={"verified": True, "first_name": result.first_name})
    turn.resume = turn.data.pop("pending", None)
    if turn.resume:
        turn.say(turn.t("bot.welcome", name=turn.name))
    else:
        turn.menu(turn.t("bot.welcome", name=turn.name))


def reverify(turn: Turn) -> None:
    """The binding expired mid-conversation: verify again."""
    turn.state = turn.state.model_copy(update={"verified": False})
    turn.data = {k: v for k, v in turn.data.items() if k == "lang_chosen"}
    turn.say(turn.t("bot.verify.expired"))
    ask_id(turn)


def language_buttons(turn: Turn) -> list[Button]:
    return [turn.button("lang:es", "bot.button.es"), turn.button("lang:en", "bot.button.en")]
