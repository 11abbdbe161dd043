"""Offers and counter-proposals, within the creditor's limits (the backend judges them).

* Offers are shown numbered, each with a one-tap ``offer:<id>`` button.
* A counter-proposal comes from free text: a count ("6 cuotas"), an amount per period
  ("150 al mes"), a single payment ("800 de una"), optionally a down payment ("40% ahora",
  "300 de inicial"). A down payment alone asks for the count of the rest; a bare amount while
  negotiating asks whether it is a single payment or a monthly instalment.
* The answer (accepted, counter-offer, or sent for a supervisor's approval) comes with its
  terms and an Accept button; "sí" accepts the offer on the table, "no" asks for other terms.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from bots.core import render
from bots.core.debts import current_account
from bots.core.parsing import Understanding
from bots.core.turn import Turn
from shared.client.errors import ApiValidationError, ConflictError, NotFoundError
from shared.schemas.conversations import BotAccount
from shared.schemas.enums import PlanKind
from shared.schemas.negotiation import ProposalResult

# Steps in which a bare amount is part of the negotiation.
NEGOTIATING = ("offers", "offer_pending", "propose")


async def offers(turn: Turn) -> None:
    account = await current_account(turn, {"action": "offers"})
    if account is None:
        return
    try:
        found = await turn.chat.offers(account.id)
    except (ConflictError, NotFoundError) as exc:
        turn.refused(exc, [turn.button("menu:agent", "bot.button.agent")])
        return
    if not found:
        ask_terms(turn)
        return
    turn.step = "offers"
    lines = [
        turn.t(
            "bot.offers.intro",
            creditor=account.creditor,
            date=turn.day(found[0].expires_at.date()),
        )
    ]
    lines += [
        turn.t("bot.offer.line", n=n, terms=_capitalised(render.terms(offer, turn.language)))
        for n, offer in enumerate(found, start=1)
    ]
    lines.append(turn.t("bot.offers.hint"))
    buttons = [
        turn.button(f"offer:{offer.id}", "bot.button.option", n=n)
        for n, offer in enumerate(found, start=1)
    ]
    turn.say("\n".join(lines), [*buttons, turn.button("neg:counter", "bot.button.counter")])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def ask_terms(turn: Turn) -> None:
    turn.step = "propose"
    turn.say(turn.t("bot.propose.how"))


async def accept(turn: Turn, offer_id: str) -> None:
    """One tap (or "sí") on an offer: the plan, and its first payment's button."""
    try:
        plan = await turn.chat.accept(uuid.UUID(offer_id))
    except (ConflictError, NotFoundError) as exc:
        turn.refused(exc, [turn.button("menu:offers", "bot.button.offers")])
        return
    turn.data.pop("offer_id", None)
    turn.data["account_id"] = str(plan.account_id)
    turn.step = "menu"
    lines = [
        turn.t("bot.plan.accepted", name=turn.name, terms=render.plan_terms(plan, turn.language))
    ]
    buttons = []
    if due := plan.next_due:
        amount = turn.money(due.amount_minor - due.paid_minor, plan.currency)
        lines.append(turn.t("bot.plan.first", amount=amount, date=turn.day(due.due_date)))
        purpose = "settlement" if plan.kind == PlanKind.settlement else "instalment"
        key = "bot.button.pay_settlement" if purpose == "settlement" else "bot.button.pay"
        buttons.append(turn.button(f"pay:{purpose}", key))
    turn.say("\n".join(lines), [*buttons, turn.back_to_menu()])


async def propose(turn: Turn, found: Understanding) -> None:
    """Free-text terms: sent as a counter-proposal, or one more question first."""
    account = await current_account(turn, {"text": turn.text})
    if account is None:
        return
    held = turn.data.pop("proposal", {})
    percent = found.percent if found.percent is not None else _decimal(held.get("percent"))
    down = found.down_payment_minor or held.get("down")
    if found.instalments:
        terms: dict[str, Any] = {"kind": "plan_by_count", "instalments": found.instalments}
    elif found.amount_minor and found.settlement:
        terms = {"kind": "settlement", "settlement_amount_minor": found.amount_minor}
        percent = down = None
    elif found.amount_minor and found.frequency:
        terms = {"kind": "plan_by_amount", "instalment_amount_minor": found.amount_minor}
    elif percent is not None or down:
        turn.data["proposal"] = {"percent": str(percent)} if percent is not None else {"down": down}
        turn.step = "ask_count"
        turn.say(turn.t("bot.propose.ask_count"))
        return
    elif found.amount_minor:
        ask_kind(turn, account, found.amount_minor)
        return
    else:
        ask_terms(turn)
        return
    if terms["kind"] != "settlement":
        terms["frequency"] = found.frequency or "monthly"
        terms["down_payment_percent"] = percent
        terms["down_payment_minor"] = None if percent is not None else down
    await _send(turn, account, terms)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def ask_kind(turn: Turn, account: BotAccount, amount_minor: int) -> None:
    turn.data["amount"] = amount_minor
    turn.step = "amount_kind"
    turn.say(
        turn.t("bot.propose.ask_kind", amount=turn.money(amount_minor, account.currency)),
        [
            turn.button("neg:single", "bot.button.single"),
            turn.button("neg:monthly", "bot.button.monthly"),
        ],
    )


async def amount_kind(turn: Turn, kind: str) -> None:
    """``neg:single`` / ``neg:monthly`` for the amount held in ``data["amount"]``."""
    minor = turn.data.pop("amount", None)
    account = await current_account(turn, {"action": "offers"})
    if account is None:
        return
    if minor is None:
        ask_terms(turn)
        return
    terms: dict[str, Any] = (
        {"kind": "settlement", "settlement_amount_minor": minor}
        if kind == "single"
        else {"kind": "plan_by_amount", "instalment_amount_minor": minor, "frequency": "monthly"}
    )
    await _send(turn, account, terms)


async def _send(turn: Turn, account: BotAccount, terms: dict[str, Any]) -> None:
    try:
        result = await turn.chat.propose(account.id, currency=account.currency, **terms)
    except (ConflictError, NotFoundError, ApiValidationError) as exc:
        turn.refused(exc, [turn.button("menu:agent", "bot.button.agent")])
        return
    _answer(turn, account, result)


def _answer(turn: Turn, account: BotAccount, result: ProposalResult) -> None:
    lang = turn.language
    reason = render.violation(result.violations, account.currency, lang)
    offer = result.offer
    terms = render.terms(offer, lang) if offer else ""
    if result.outcome == "needs_approval":
        text = turn.t("bot.propose.approval", reason=reason)
        if offer:
            text += "\n" + turn.t("bot.propose.meanwhile", terms=terms)
    elif result.outcome == "accepted":
        text = turn.t("bot.propose.accepted", terms=terms)
    else:
        text = turn.t("bot.propose.counter", reason=reason, terms=terms)
    if offer is None:
        turn.menu(text)
        return
    turn.data["offer_id"] = str(offer.id)
    turn.step = "offer_pending"
    turn.say(
        text,
        [
            turn.button(f"offer:{offer.id}", "bot.button.accept"),
            turn.button("neg:counter", "bot.button.counter"),
            turn.button("menu:agent", "bot.button.agent"),
        ],
    )
