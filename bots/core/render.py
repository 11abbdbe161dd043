"""Amounts, dates, offers, plans and refusals in words, for one language.

Amounts use ``shared.i18n.formats.money`` (CLDR: ``S/ 1,234.50`` in Peru, ``$1.234`` for CLP).
Dates are ``15/12/2026`` in Spanish and ``Dec 15, 2026`` in English (never the ambiguous
``12/15``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.i18n import formats, t
from shared.schemas.enums import PlanKind
from shared.schemas.negotiation import InstalmentRead, OfferRead, PlanRead

_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# Violation parameters that are amounts (minor units) or ISO dates.
_AMOUNTS = {"minimum", "minimum_amount", "balance", "actual"}
_DATES = {"latest", "earliest"}


def money(minor: int, currency: str, lang: str) -> str:
    return formats.money(minor, currency, lang)


def day(value: date, lang: str) -> str:
    if lang == "es":
        return value.strftime("%d/%m/%Y")
    return f"{_EN_MONTHS[value.month - 1]} {value.day}, {value.year}"


def _plan_terms(rows: list[InstalmentRead], frequency: str | None, currency: str, lang: str) -> str:
    down = next((r for r in rows if r.number == 0), None)
    regular = [r for r in rows if r.number > 0]
    text = t(
        "bot.offer.plan",
        lang,
        count=len(regular),
        frequency=t(f"bot.frequency.{frequency or 'monthly'}", lang),
        amount=money(max(r.amount_minor for r in regular), currency, lang),
        date=day(regular[0].due_date, lang),
    )
    if down is None:
        return text
    prefix = t(
        "bot.offer.down",
        lang,
        amount=money(down.amount_minor, currency, lang),
        date=day(down.due_date, lang),
    )
    return f"{prefix} {text}"


def terms(offer: OfferRead, lang: str) -> str:
    """What accepting an offer means, as one phrase."""
    if offer.plan_kind == PlanKind.settlement:
        text = t(
            "bot.offer.settlement",
            lang,
            total=money(offer.total_minor, offer.currency, lang),
            date=day(offer.instalments[0].due_date, lang),
        )
        if offer.discount_minor > 0:
            saving = money(offer.discount_minor, offer.currency, lang)
            text += " " + t("bot.offer.saving", lang, discount=saving)
        return text
    return _plan_terms(offer.instalments, offer.frequency, offer.currency, lang)


def plan_terms(plan: PlanRead, lang: str) -> str:
    if plan.kind == PlanKind.settlement:
        return t(
            "bot.offer.settlement",
            lang,
            total=money(plan.total_minor, plan.currency, lang),
            date=day(plan.instalments[0].due_date, lang),
        )
    return _plan_terms(plan.instalments, plan.frequency, plan.currency, lang)


def violation(items: list[dict[str, Any]], currency: str, lang: str) -> str:
    """The first reason a proposal was refused, for a debtor."""
    if not items:
        return t("bot.violation.other", lang)
    params = dict(items[0])
    key = f"bot.violation.{params.pop('code', '')}"
    for name, value in params.items():
        if name in _AMOUNTS and isinstance(value, int):
            params[name] = money(value, currency, lang)
        elif name in _DATES and isinstance(value, str):
            params[name] = day(date.fromisoformat(value), lang)
    text = t(key, lang, **params)
    return t("bot.violation.other", lang) if text == key else text
