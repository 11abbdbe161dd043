"""Promising to pay an amount on a date ("pagaré 300 el viernes", "I'll pay on the 15th").

What the message leaves out is asked for, the date first, then the amount (with the whole
balance and the plan's next instalment as buttons); the promise is recorded after a yes, with
that message's id as its retry-safe client id. Dates are read against the account's local
today (see :mod:`bots.core.dates`).
"""

from __future__ import annotations

from datetime import date

from bots.core import parsing
from bots.core.dates import parse_date
from bots.core.debts import current_account
from bots.core.parsing import Understanding
from bots.core.turn import Turn
from shared.client.errors import ApiValidationError, ConflictError, NotFoundError
from shared.schemas.conversations import BotAccount


async def start(turn: Turn, found: Understanding | None = None) -> None:
    account = await current_account(turn, {"text": turn.text} if found else {"action": "promise"})
    if account is None:
        return
    when = parse_date(turn.text, account.today, turn.day_first) if found else None
    amount = found.amount_minor if found else None
    turn.data["promise"] = {"amount": amount, "date": when.isoformat() if when else None}
    await _next(turn, account)


async def _next(turn: Turn, account: BotAccount) -> None:
    held = turn.data.get("promise") or {}
    if not held.get("date"):
        turn.step = "promise_date"
        turn.say(turn.t("bot.promise.ask_date"))
        return
    when = turn.day(date.fromisoformat(held["date"]))
    if not held.get("amount"):
        turn.step = "promise_amount"
        detail = await turn.chat.account(account.id)
        buttons = [
            turn.button(
                f"promise:{detail.balance_minor}",
                "bot.button.all",
                amount=turn.money(detail.balance_minor, detail.currency),
            )
        ]
        if detail.plan and (due := detail.plan.next_due):
            left = due.amount_minor - due.paid_minor
            money = turn.money(left, detail.currency)
            buttons.insert(0, turn.button(f"promise:{left}", "bot.button.instalment", amount=money))
        turn.say(turn.t("bot.promise.ask_amount", date=when), buttons)
        return
    turn.step = "promise_confirm"
    amount = turn.money(held["amount"], account.currency)
    turn.say(
        turn.t("bot.promise.confirm", amount=amount, date=when),
        [turn.button("yes", "bot.button.yes"), turn.button("no", "bot.button.no")],
    )


async def on_date(turn: Turn) -> bool:
    """Step ``promise_date``."""
    account = await current_account(turn, {"action": "promise"})
    if account is None:
        return True
    when = parse_date(turn.text, account.today, turn.day_first)
    if when is None:
        return False
    held = turn.data.setdefault("promise", {})
    held["date"] = when.isoformat()
    held["amount"] = held.get("amount") or parsing.amount(turn.text, account.currency)
    await _next(turn, account)
    return True


async def on_amount(turn: Turn) -> bool:
    """Step ``promise_amount``."""
    account = await current_account(turn, {"action": "promise"})
    if account is None:
        return True
    minor = parsing.amount(turn.text, account.currency)
    if minor is None:
        return False
    await with_amount(turn, minor)
    return True


async def with_amount(turn: Turn, minor: int) -> None:
    """A ``promise:<minor>`` button or a typed amount."""
    account = await current_account(turn, {"action": "promise"})
    if account is None:
        return
    turn.data.setdefault("promise", {})["amount"] = minor
    await _next(turn, account)


async def confirm(turn: Turn, yes: bool) -> None:
    """Step ``promise_confirm``: a yes records it; a no drops it."""
    held = turn.data.pop("promise", None) or {}
    account = await current_account(turn, {"action": "promise"})
    if account is None:
        return
    if not yes or not held.get("amount") or not held.get("date"):
        turn.menu(turn.t("bot.promise.dropped"))
        return
    when = date.fromisoformat(held["date"])
    try:
        promise = await turn.chat.promise(
            account.id,
            amount_minor=held["amount"],
            currency=account.currency,
            due_date=when,
            message_id=turn.incoming.message_id,
        )
    except (ApiValidationError, ConflictError, NotFoundError) as exc:
        turn.step = "menu"
        turn.refused(exc, [turn.button("menu:promise", "bot.button.promise")])
        return
    turn.step = "menu"
    text = turn.t(
        "bot.promise.done",
        name=turn.name,
        amount=turn.money(promise.amount_minor, promise.currency),
        date=turn.day(promise.due_date),
    )
    turn.say(text, [turn.button("pay:promise", "bot.button.pay_promise"), turn.back_to_menu()])
