"""Talking to a person, and opting out of (or back into) the channel.

* "asesor" / "agent" creates a callback task for the account's agent (for the chosen account,
  or every open one); it needs a verified chat, like everything about a debt.
* "BAJA" / "STOP" works at any step, verified or not: the backend marks the chat (and the bound
  debtors' channel) opted out. From then on every message gets only a reminder of how to come
  back ("ALTA" / "START"), which undoes it.
"""

from __future__ import annotations

import uuid

from bots.core import parsing
from bots.core.identity import ask_id
from bots.core.turn import Turn


async def handoff(turn: Turn) -> None:
    if not turn.verified:
        ask_id(turn, {"action": "agent"})
        return
    chosen = turn.data.get("account_id")
    result = await turn.chat.handoff(
        message_id=turn.incoming.message_id, account_id=uuid.UUID(chosen) if chosen else None
    )
    turn.menu(turn.t("bot.agent.done" if result.task_ids else "bot.agent.none"))


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
