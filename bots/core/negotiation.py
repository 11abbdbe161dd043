"""Offers and counter-proposals, within the creditor's limits (the backend judges them).

* Offers are described in words, numbered, each with a one-tap ``offer:<id>`` button that
  says what it is ("Pago único S/ 9,900.00 hasta el 11/12", "6 cuotas de S/ 1,650.00"). An
  account with an active plan shows the plan instead.
* A counter-proposal comes from free text: a count ("6 cuotas"), an amount per period
  ("150 al mes"), a single payment ("800 de una"), optionally a down payment ("40% ahora",
  "300 de inicial") and the first payment's date ("desde el 15", "los 15 de cada mes", "la
  primera el 15 de enero"). A down payment or a date alone asks for the count of the rest (or,
  with a counter-proposal on the table, changes only that); a bare amount while negotiating
  asks whether it is a single payment or a monthly instalment.
* The answer (accepted, counter-offer, or sent for a supervisor's approval) comes with its
  terms and an Accept button; a date the policy does not allow is said so, with the closest
  one it does. "sí" accepts the offer on the table, "no" asks for other terms.
* Accepting an offer that is already accepted (a second tap, a redelivered message) answers
  that it is, with the plan, never a failure.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from bots.core import debts, render
from bots.core.debts import current_account
from bots.core.messages import Button
from bots.core.parsing import Understanding
from bots.core.turn import Turn
from shared.client.errors import ApiValidationError, ConflictError, NotFoundError
from shared.schemas.conversations import BotAccount
from shared.schemas.enums import PlanKind
from shared.schemas.negotiation import OfferRead, PlanRead, ProposalResult

# Violations whose reason already names the latest date allowed.
DATE_VIOLATIONS = {"first_payment_too_late", "settlement_after_deadline"}
# Steps in which a bare amount is part of the negotiation.
NEGOTIATING = ("offers", "offer_pending", "propose")


async def offers(turn: Turn) -> None:
    account = await current_account(turn, {"action": "offers"})
    if account is None:
        return
    if account.plan is not None:  # a plan is running: that is the arrangement to talk about
        await debts.plan_status(turn, lead=[turn.t("bot.offers.plan_active")])
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
    lang, country = turn.language, turn.country
    lines = [
        turn.t(
            "bot.offers.intro",
            creditor=account.creditor,
            date=turn.day_of(found[0].expires_at),
        )
    ]
    lines += [
        turn.t("bot.offer.line", n=n, terms=debts.capitalised(render.terms(offer, lang, country)))
        for n, offer in enumerate(found, start=1)
    ]
    lines.append(turn.t("bot.offers.hint"))
    buttons = [Button(f"offer:{offer.id}", render.label(offer, lang, country)) for offer in found]
    turn.say("\n".join(lines), [*buttons, turn.button("neg:counter", "bot.button.counter")])


def ask_terms(turn: Turn) -> None:
    turn.step = "propose"
    turn.say(turn.t("bot.propose.how"))


async def accept(turn: Turn, offer_id: str) -> None:
    """One tap (or "sí") on an offer: the plan, and its first payment's button. An offer that
    is already accepted answers so, with the plan it made."""
    try:
        plan = await turn.chat.accept(uuid.UUID(offer_id))
    except (ConflictError, NotFoundError) as exc:
        agreed = await _plan_of(turn, offer_id) if exc.code in ALREADY else None
        if agreed is None:
            turn.refused(exc, [turn.button("menu:offers", "bot.button.offers")])
            return
        key = "bot.plan.already" if agreed.offer_id == uuid.UUID(offer_id) else "bot.plan.other"
        _agreed(turn, agreed, key)
        return
    _agreed(turn, plan, "bot.plan.accepted")


# Refusals of an accept that mean a plan already exists: show it.
ALREADY = ("offer_already_accepted", "plan_active", "offer_superseded")


async def _plan_of(turn: Turn, offer_id: str) -> PlanRead | None:
    """The active plan the offer concerns: the one made from it, else the chosen account's,
    else the only one there is."""
    with_plans = [a for a in await turn.chat.accounts() if a.plan is not None]
    made = [a for a in with_plans if a.plan and str(a.plan.offer_id) == offer_id]
    chosen = [a for a in with_plans if str(a.id) == turn.data.get("account_id")]
    found = made or chosen or (with_plans if len(with_plans) == 1 else [])
    if not found:
        return None
    turn.at(found[0])
    return found[0].plan


def _agreed(turn: Turn, plan: PlanRead, key: str) -> None:
    turn.data.pop("offer_id", None)
    turn.data.pop("terms", None)
    turn.data["account_id"] = str(plan.account_id)
    turn.step = "menu"
    terms = render.plan_terms(plan, turn.language, turn.country)
    lines = [turn.t(key, name=turn.name, terms=terms)]
    buttons = []
    if due := plan.next_due:
        amount = turn.money(due.amount_minor - due.paid_minor, plan.currency)
        lines.append(turn.t("bot.plan.first", amount=amount, date=turn.day(due.due_date)))
        purpose = "settlement" if plan.kind == PlanKind.settlement else "instalment"
        label = "bot.button.pay_settlement" if purpose == "settlement" else "bot.button.pay"
        buttons.append(turn.button(f"pay:{purpose}", label))
    turn.say("\n".join(lines), [*buttons, turn.back_to_menu()])


async def propose(turn: Turn, found: Understanding) -> None:
    """Free-text terms: sent as a counter-proposal, or one more question first."""
    account = await current_account(turn, {"text": turn.text})
    if account is None:
        return
    held = turn.data.pop("proposal", {})
    percent = found.percent if found.percent is not None else _decimal(held.get("percent"))
    down = found.down_payment_minor or held.get("down")
    first_due = found.first_due or _day(held.get("first_due"))
    last = turn.data.get("terms") if turn.step == "offer_pending" else None
    if found.instalments:
        terms: dict[str, Any] = {"kind": "plan_by_count", "instalments": found.instalments}
    elif found.amount_minor and found.settlement:
        terms = {"kind": "settlement", "settlement_amount_minor": found.amount_minor}
        percent = down = None
    elif found.amount_minor and found.frequency:
        terms = {"kind": "plan_by_amount", "instalment_amount_minor": found.amount_minor}
    elif last and (first_due or percent is not None or down):
        terms = dict(last)  # the terms on the table, with the date or down payment now asked
        percent = percent if percent is not None else _decimal(last.get("down_payment_percent"))
        down = down or last.get("down_payment_minor")
        first_due = first_due or _day(last.get("first_due"))
    elif percent is not None or down or first_due:
        turn.data["proposal"] = {
            key: value
            for key, value in (
                ("percent", str(percent) if percent is not None else None),
                ("down", down),
                ("first_due", first_due.isoformat() if first_due else None),
            )
            if value is not None
        }
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
        terms["frequency"] = found.frequency or terms.get("frequency") or "monthly"
        terms["down_payment_percent"] = percent
        terms["down_payment_minor"] = None if percent is not None else down
    terms["first_due"] = first_due
    await _send(turn, account, terms)


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


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
    turn.data["terms"] = {key: _plain(value) for key, value in terms.items()}
    _answer(turn, account, result, terms.get("first_due"))


def _answer(turn: Turn, account: BotAccount, result: ProposalResult, asked: date | None) -> None:
    lang, country = turn.language, turn.country
    reason = render.violation(result.violations, account.currency, lang, country)
    offer = result.offer
    terms = render.terms(offer, lang, country) if offer else ""
    if result.outcome == "needs_approval":
        text = turn.t("bot.propose.approval", reason=reason)
        if offer:
            text += "\n" + turn.t("bot.propose.meanwhile", terms=terms)
    elif result.outcome == "accepted":
        text = turn.t("bot.propose.accepted", terms=terms)
    else:
        text = turn.t("bot.propose.counter", reason=reason, terms=terms)
    said = {v.get("code") for v in result.violations} & DATE_VIOLATIONS
    if offer is not None and asked and not said and (moved := _first_date(offer)) != asked:
        # The date asked for could not be kept (the reason did not say it): say so.
        text += "\n" + turn.t("bot.propose.date_moved", asked=turn.day(asked), date=turn.day(moved))
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


def _first_date(offer: OfferRead) -> date:
    """When the offer's first payment falls (its down payment's, when it has one)."""
    return min(row.due_date for row in offer.instalments)


def _plain(value: object) -> object:
    """A term as the chat's state keeps it (JSON)."""
    return (
        value.isoformat()
        if isinstance(value, date)
        else str(value)
        if isinstance(value, Decimal)
        else value
    )
