"""What the debtor owes and paying it: accounts, balance, plan status and payment links.

A debtor with several open accounts picks one (``acct:<id>`` buttons); the choice holds for
the rest of the conversation. Payment links are created with the message id of the request, so
a redelivered message gets the same link.

The overview (:func:`overview`) is what a verified debtor sees first, whatever they wrote: the
balance and, at once, the three best options described in words (or, with a plan, its next
payment), each one tap away.
"""

from __future__ import annotations

from typing import Any

from bots.core import render
from bots.core.messages import Button
from bots.core.turn import Turn
from shared.client.errors import ConflictError, NotFoundError
from shared.schemas.conversations import BotAccount, BotAccountDetail
from shared.schemas.enums import InstalmentStatus, Language, LinkPurpose, PlanKind

TOP_OFFERS = 3


def label(account: BotAccount) -> str:
    """A button for an account: creditor and reference (24 characters at most)."""
    return f"{account.creditor[:15].strip()} ···{account.reference}"


async def current_account(turn: Turn, pending: dict[str, Any]) -> BotAccount | None:
    """The account the conversation is about; None after asking which one (or saying there
    is none), with ``pending`` done once it is chosen."""
    accounts = await turn.chat.accounts()
    if not accounts:
        turn.menu(turn.t("bot.accounts.none", name=turn.name))
        return None
    chosen = turn.data.get("account_id")
    for account in accounts:
        if str(account.id) == chosen:
            turn.at(account)
            return account
    if len(accounts) == 1:
        turn.data["account_id"] = str(accounts[0].id)
        turn.at(accounts[0])
        return accounts[0]
    ask_account(turn, accounts, pending)
    return None


def ask_account(turn: Turn, accounts: list[BotAccount], pending: dict[str, Any]) -> None:
    turn.data["pending"] = pending
    turn.step = "choose_account"
    turn.at(accounts[0])
    lines = [turn.t("bot.accounts.list", name=turn.name, count=len(accounts))]
    lines += [
        turn.t(
            "bot.accounts.line",
            creditor=a.creditor,
            product=a.product,
            reference=a.reference,
            balance=turn.money(a.balance_minor, a.currency),
        )
        for a in accounts
    ]
    lines.append(turn.t("bot.accounts.choose"))
    turn.say("\n".join(lines), [Button(f"acct:{a.id}", label(a)) for a in accounts[:10]])


def choose_account(turn: Turn, account_id: str) -> None:
    """An ``acct:<id>`` button: remember it and resume what was waiting for it."""
    turn.data["account_id"] = account_id
    turn.resume = turn.data.pop("pending", None) or {"action": "balance_detail"}


async def balance(turn: Turn, *, with_options: bool = False) -> None:
    """Several accounts: each balance, then pick one for its detail. One: its detail (with the
    options at once, ``with_options``: what a typed "cuánto debo" gets; the menu's button shows
    the balance alone)."""
    accounts = await turn.chat.accounts()
    then = "overview" if with_options else "balance_detail"
    if not accounts:
        turn.menu(turn.t("bot.accounts.none", name=turn.name))
    elif len(accounts) > 1:
        ask_account(turn, accounts, {"action": then})
    else:
        turn.data["account_id"] = str(accounts[0].id)
        await (overview(turn) if with_options else balance_detail(turn))


def _balance_lines(turn: Turn, detail: BotAccountDetail) -> list[str]:
    lines = [
        turn.t(
            "bot.balance.one",
            name=turn.name,
            creditor=detail.creditor,
            product=detail.product,
            reference=detail.reference,
            balance=turn.money(detail.balance_minor, detail.currency),
        )
    ]
    if detail.days_past_due > 0:
        lines.append(turn.t("bot.balance.overdue", count=detail.days_past_due))
    return lines


async def overview(turn: Turn) -> None:
    """The balance and the three best options at once (with a plan: its next payment)."""
    account = await current_account(turn, {"action": "overview"})
    if account is None:
        return
    detail = await turn.chat.account(account.id)
    if detail.plan is not None:
        await plan_status(turn, lead=_balance_lines(turn, detail))
        return
    lines = _balance_lines(turn, detail)
    if detail.promise:
        promised = turn.money(detail.promise.amount_minor, detail.currency)
        day = turn.day(detail.promise.due_date)
        lines.append(turn.t("bot.balance.promise", amount=promised, date=day))
    try:
        found = (await turn.chat.offers(account.id))[:TOP_OFFERS]
    except (ConflictError, NotFoundError):  # no self-service negotiation left: pay or a person
        found = []
    turn.step = "offers" if found else "menu"
    buttons = [
        Button(f"offer:{offer.id}", render.label(offer, turn.language, turn.country))
        for offer in found
    ]
    if found:
        lines.append(turn.t("bot.overview.options", count=len(found)))
        lines += [
            turn.t(
                "bot.offer.line",
                n=n,
                terms=capitalised(render.terms(o, turn.language, turn.country)),
            )
            for n, o in enumerate(found, start=1)
        ]
        lines.append(turn.t("bot.overview.hint"))
        buttons.append(turn.button("neg:counter", "bot.button.counter"))
    turn.say("\n".join(lines), [*buttons, *turn.overview_buttons()])


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


async def balance_detail(turn: Turn) -> None:
    account = await current_account(turn, {"action": "balance_detail"})
    if account is None:
        return
    detail = await turn.chat.account(account.id)
    lines = _balance_lines(turn, detail)
    if detail.plan and detail.plan.next_due:
        due = detail.plan.next_due
        left = due.amount_minor - due.paid_minor
        amount = turn.money(left, detail.currency)
        lines.append(turn.t("bot.balance.plan", amount=amount, date=turn.day(due.due_date)))
    if detail.promise:
        promised = turn.money(detail.promise.amount_minor, detail.currency)
        day = turn.day(detail.promise.due_date)
        lines.append(turn.t("bot.balance.promise", amount=promised, date=day))
    turn.step = "menu"
    buttons = [turn.button("menu:pay", "bot.button.pay")]
    if detail.plan is None:
        buttons.append(turn.button("menu:offers", "bot.button.offers"))
    turn.say("\n".join(lines), [*buttons, turn.back_to_menu()])


async def plan_status(turn: Turn, lead: list[str] | None = None) -> None:
    """The plan's progress and next payment (after ``lead``, when given)."""
    account = await current_account(turn, {"action": "plan"})
    if account is None:
        return
    detail = await turn.chat.account(account.id)
    turn.step = "menu"
    plan = detail.plan
    if plan is None:
        buttons = [turn.button("menu:offers", "bot.button.offers"), turn.back_to_menu()]
        turn.say(turn.t("bot.plan.none"), buttons)
        return
    paid = [i for i in plan.instalments if i.status == InstalmentStatus.paid]
    lines = [
        *(lead or []),
        turn.t(
            "bot.plan.status",
            creditor=detail.creditor,
            paid_count=len(paid),
            count=len(plan.instalments),
            paid=turn.money(plan.paid_minor, plan.currency),
            total=turn.money(plan.total_minor, plan.currency),
        ),
    ]
    buttons = []
    if due := plan.next_due:
        left = turn.money(due.amount_minor - due.paid_minor, plan.currency)
        key = "bot.plan.next_down" if due.number == 0 else "bot.plan.next"
        lines.append(turn.t(key, number=due.number, amount=left, date=turn.day(due.due_date)))
        buttons.append(_plan_pay_button(turn, detail))
    turn.say("\n".join(lines), [*buttons, turn.back_to_menu()])


def _plan_pay_button(turn: Turn, detail: BotAccountDetail) -> Button:
    assert detail.plan is not None and detail.plan.next_due is not None
    if detail.plan.kind == PlanKind.settlement:
        return turn.button("pay:settlement", "bot.button.pay_settlement")
    number = detail.plan.next_due.number
    if number == 0:
        return turn.button("pay:instalment", "bot.button.pay_down")
    return turn.button("pay:instalment", "bot.button.pay_instalment", number=number)


async def pay(turn: Turn) -> None:
    """What can be paid now: the plan's next instalment (or settlement), the promised amount,
    the whole balance. With only the balance to pay, its link at once."""
    account = await current_account(turn, {"action": "pay"})
    if account is None:
        return
    detail = await turn.chat.account(account.id)
    buttons = []
    if detail.plan and detail.plan.next_due:
        buttons.append(_plan_pay_button(turn, detail))
    if detail.promise:
        buttons.append(turn.button("pay:promise", "bot.button.pay_promise"))
    if not buttons:
        await pay_link(turn, LinkPurpose.balance.value)
        return
    buttons.append(turn.button("pay:balance", "bot.button.pay_balance"))
    turn.step = "menu"
    turn.say(turn.t("bot.pay.choose"), buttons)


async def pay_link(turn: Turn, purpose: str) -> None:
    """A ``pay:<purpose>`` button: the payment link, with its URL as a button too."""
    account = await current_account(turn, {"action": "pay"})
    if account is None:
        return
    try:
        link = await turn.chat.payment_link(
            account.id,
            LinkPurpose(purpose),
            message_id=turn.incoming.message_id,
            language=Language(turn.language),
        )
    except (ConflictError, NotFoundError) as exc:
        turn.refused(exc)
        return
    turn.step = "menu"
    text = turn.t(
        "bot.pay.link",
        amount=turn.money(link.amount_minor, link.currency),
        url=link.url,
        date=turn.day_of(link.expires_at),
    )
    turn.say(text, [turn.back_to_menu()], url=link.url)
