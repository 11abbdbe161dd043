"""Documents on request ("mi cronograma", "constancia", "recibo"): the chat gets a single-use
link that signs the debtor in to the self-service portal on the account's documents (the
plan schedule, every receipt, the paid-in-full certificate), where they download the PDFs."""

from __future__ import annotations

from bots.core import parsing
from bots.core.debts import current_account
from bots.core.turn import Turn


async def send_link(turn: Turn, _: parsing.Understanding | None) -> None:
    account = await current_account(turn, {"action": "documents"})
    if account is None:
        return
    link = await turn.chat.portal_link(account.id)
    turn.step = "menu"
    text = turn.t("bot.documents.link", url=link.url)
    turn.say(text, [turn.back_to_menu()], url=link.url)
