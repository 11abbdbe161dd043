"""What the agent confirms with the debtor before a plan is accepted or a payment is saved.

A :class:`Confirmation` is a title, dated rows with their amounts and a total that is their sum
(a plan: its down payment and every instalment, each with its due date; a payment: the amount
taken and what stays owed). Amounts go through the CLDR formatter, dates are days of the
portfolio (the plan's due dates and the payment's date are stored as such).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from mobile.session import AppContext
from mobile.viewmodels import format as fmt
from shared.schemas.enums import PlanKind
from shared.schemas.negotiation import InstalmentRead, OfferRead


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    when: str  # the formatted day, or ""
    amount: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Confirmation:
    title: str
    rows: list[Row]
    total_label: str
    total: str
    total_minor: int
    notes: list[str]


def instalment_label(ctx: AppContext, offer: OfferRead, instalment: InstalmentRead) -> str:
    if offer.plan_kind is PlanKind.settlement:
        return ctx.t("mobile.confirm.single")
    if instalment.number == 0:
        return ctx.t("mobile.confirm.down_payment")
    return ctx.t("mobile.confirm.instalment", number=instalment.number)


def plan_confirmation(ctx: AppContext, offer: OfferRead) -> Confirmation:
    """The offer's schedule: the down payment and each instalment with its date, then the total
    (which is their sum: the engine's ``total_minor`` is checked against it)."""
    lang, currency = ctx.lang, offer.currency
    rows = [
        Row(
            instalment_label(ctx, offer, i),
            fmt.day(i.due_date, lang),
            fmt.money(i.amount_minor, currency, lang),
            i.amount_minor,
        )
        for i in sorted(offer.instalments, key=lambda i: i.number)
    ]
    total = sum(row.amount_minor for row in rows)
    notes = []
    if offer.discount_minor:
        notes.append(
            ctx.t("mobile.confirm.discount", amount=fmt.money(offer.discount_minor, currency, lang))
        )
    return Confirmation(
        ctx.t("mobile.confirm.plan_title"),
        rows,
        ctx.t("mobile.confirm.total"),
        fmt.money(total, currency, lang),
        total,
        notes,
    )


def plan_summary(ctx: AppContext, offer: OfferRead) -> str:
    """An offer in one line that adds up: ``Inicial S/ 100,00 + 4 cuotas de S/ 180,00 + 1
    cuota de S/ 175,50 = S/ 1.000,00`` (equal instalments in a row are counted together)."""
    lang, currency = ctx.lang, offer.currency
    if offer.plan_kind is PlanKind.settlement:
        return ctx.t(
            "mobile.plan.settlement",
            total=fmt.money(offer.total_minor, currency, lang),
            discount=fmt.money(offer.discount_minor, currency, lang),
        )
    ordered = sorted(offer.instalments, key=lambda i: i.number)
    parts = [
        ctx.t("mobile.plan.down_part", amount=fmt.money(i.amount_minor, currency, lang))
        for i in ordered
        if i.number == 0
    ]
    regular = [i for i in ordered if i.number > 0]
    for amount, same in groupby(regular, key=lambda i: i.amount_minor):
        parts.append(
            ctx.t(
                "mobile.plan.instalment_part",
                count=len(list(same)),
                amount=fmt.money(amount, currency, lang),
            )
        )
    total = sum(i.amount_minor for i in ordered)
    return f"{' + '.join(parts)} = {fmt.money(total, currency, lang)}"
