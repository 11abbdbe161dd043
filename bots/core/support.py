"""Talking to a person, and opting out of (or back into) the channel.

* "asesor" / "agent" creates a callback task for the account's agent (for the chosen account,
  or every open one). An unverified chat is asked to verify first, unless it already tried
  (and failed, or is locked out): then the ID it gave gets the request, and the person is told
  that a person will call the phone on file if the details match (nothing more is revealed).
* "BAJA" / "STOP" works at any step, verified or not: the backend marks the chat (and the bound
  debtors' channel) opted out. From then on every message gets only a reminder of how to come
  back ("ALTA" / "START"), which undoes it.
"""

from __future__ import annotations

import uuid

from bots.core import identity, parsing
from bots.core.identity import ask_id
from bots.core.turn import Turn


async def handoff(turn: Turn) -> None:
    if not turn.verified:
        tried = turn.data.get("tried_id")
        if tried:
            await _anonymous(turn, tried)
        elif identity.locked(turn):  # the ID it tried was forgotten: ask it again, for this
            turn.step = "agent_id"
            turn.say(turn.t("bot.agent.ask_id"))
        else:
            ask_id(turn, {"action": "agent"})
        return
    chosen = turn.data.get("account_id")
    result = await turn.chat.handoff(
        message_id=turn.incoming.message_id, account_id=uuid.UUID(chosen) if chosen else None
    )
    turn.menu(turn.t("bot.agent.done" if result.task_ids else "bot.agent.none"))


async def on_agent_id(turn: Turn) -> bool:
    """Step ``agent_id``: a locked chat's ID, for a person to call."""
    number = parsing.id_number(turn.text)
    if number is None:
        return False
    await _anonymous(turn, number)
    return True


async def _anonymous(turn: Turn, id_number: str) -> None:
    await turn.chat.handoff(
        message_id=turn.incoming.message_id, id_number=id_number, reason="verification"
    )
    turn.step = "locked" if identity.locked(turn) else "ask_id"
    turn.say(turn.t("bot.agent.unverified"))


async def opt_out(turn: Turn) -> None:
    await turn.chat.opt_out()
    turn.step = "start"
    turn.data = {k: v for k, v in turn.data.items() if k in ("lang_chosen", "name")}
    turn.say(turn.t("bot.optout.done"))


async def opted_out(turn: Turn) -> None:
    """Every message of an opted-out chat: only "ALTA" / "START" does something."""
    if not parsing.is_opt_in(turn.text):
        turn.say(turn.t("bot.optout.active"))
        return
    await turn.chat.opt_in()
    turn.say(turn.t("bot.optin.done"))
    if turn.verified:
        turn.menu()
    else:
        ask_id(turn)
