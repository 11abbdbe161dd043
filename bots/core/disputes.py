"""A debtor disputes a debt in their own words ("no reconozco esta deuda", "ya pagué", "me
robaron la identidad"): the account is disputed with those words, contact stops on every
channel, a supervisor reviews it, and the debtor is told what happens next and by when (the
backend's words, ``docs/disputes.md``). The message id makes a redelivered message answer the
same dispute."""

from __future__ import annotations

from bots.core import parsing
from bots.core.debts import current_account
from bots.core.turn import Turn
from shared.schemas.enums import DisputeReason, Language

STATEMENT_CHARS = 2000


async def open_dispute(turn: Turn, _: parsing.Understanding | None) -> None:
    account = await current_account(turn, {"text": turn.text})
    if account is None:
        return
    reason = parsing.dispute_reason(turn.text) or DisputeReason.other
    answer = await turn.chat.dispute(
        account.id,
        reason=reason,
        statement=turn.text[:STATEMENT_CHARS],
        message_id=turn.incoming.message_id,
        language=Language(turn.language),
    )
    turn.step = "menu"
    turn.say(answer.message.text)
