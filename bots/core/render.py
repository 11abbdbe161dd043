"""Amounts, dates, offers, plans and refusals in words, for one language and country.

Amounts and dates use the one CLDR formatter, ``shared.i18n.formats``, by the portfolio's
country and the reader's language: ``S/ 1,234.50`` in Peru, ``$1.234`` for CLP; dates day first
(``15/12/2026``) in every Latin-American portfolio, in English too, month first only in the US.

Instalment plans say what is odd about them: a down payment, and instalments that differ from
the rest ("6 cuotas mensuales de S/ 1,414.29, la primera el 15/01/2027, y una última de
S/ 1,414.26"; "4 cuotas mensuales de S/ 1,414.29 y 3 de S/ 1,414.28").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.i18n import formats, t
from shared.schemas.enums import PlanKind
from shared.schemas.negotiation import InstalmentRead, OfferRead, PlanRead

# Violation parameters that are amounts (minor units) or ISO dates.
_AMOUNTS = {"minimum", "minimum_amount", "balance", "actual"}
_DATES = {"latest", "earliest"}


def money(minor: int, currency: str, lang: str, country: str = "") -> str:
    return formats.money(minor, currency, lang, country)


def day(value: date, lang: str, country: str = "") -> str:
    return formats.day(value, lang, country)


def short_day(value: date, lang: str, country: str = "") -> str:
    """The day without its year (``11/12``), for a button's label."""
    return formats.short_day(value, lang, country)


def _runs(amounts: list[int]) -> list[tuple[int, int]]:
    """Consecutive equal amounts as (amount, how many)."""
    runs: list[tuple[int, int]] = []
    for amount in amounts:
        if runs and runs[-1][0] == amount:
            runs[-1] = (amount, runs[-1][1] + 1)
        else:
            runs.append((amount, 1))
    return runs


def _plan_terms(
    rows: list[InstalmentRead], frequency: str | None, currency: str, lang: str, country: str
) -> str:
    """The instalments in words, saying which ones differ (a last one that absorbs the
    rounding, the first few that carry the leftover cents)."""
    down = next((r for r in rows if r.number == 0), None)
    regular = [r for r in rows if r.number > 0]
    runs = _runs([r.amount_minor for r in regular])

    def cash(minor: int) -> str:
        return money(minor, currency, lang, country)

    params: dict[str, Any] = {
        "frequency": t(f"bot.frequency.{frequency or 'monthly'}", lang),
        "date": day(regular[0].due_date, lang, country),
    }
    if len(runs) == 1:
        text = t("bot.offer.plan", lang, count=len(regular), amount=cash(runs[0][0]), **params)
    elif len(runs) == 2 and runs[1][1] == 1:  # the last one differs
        (amount, count), (last, _) = runs
        text = t(
            "bot.offer.plan_last", lang, count=count, amount=cash(amount), last=cash(last), **params
        )
    elif len(runs) == 2 and runs[0][1] == 1:  # the first one differs
        (first, _), (amount, count) = runs
        text = t(
            "bot.offer.plan_first",
            lang,
            count=count,
            first=cash(first),
            amount=cash(amount),
            **params,
        )
    elif len(runs) == 2:
        (amount, count), (other, rest) = runs
        text = t(
            "bot.offer.plan_two",
            lang,
            count=count,
            amount=cash(amount),
            rest=rest,
            other=cash(other),
            **params,
        )
    else:
        amounts = [r.amount_minor for r in regular]
        text = t(
            "bot.offer.plan_range",
            lang,
            count=len(regular),
            low=cash(min(amounts)),
            high=cash(max(amounts)),
            **params,
        )
    if down is None:
        return text
    prefix = t(
        "bot.offer.down",
        lang,
        amount=cash(down.amount_minor),
        date=day(down.due_date, lang, country),
    )
    return f"{prefix} {text}"


def terms(offer: OfferRead, lang: str, country: str = "") -> str:
    """What accepting an offer means, as one phrase."""
    if offer.plan_kind == PlanKind.settlement:
        text = t(
            "bot.offer.settlement",
            lang,
            total=money(offer.total_minor, offer.currency, lang, country),
            date=day(offer.instalments[0].due_date, lang, country),
        )
        if offer.discount_minor > 0:
            saving = money(offer.discount_minor, offer.currency, lang, country)
            text += " " + t("bot.offer.saving", lang, discount=saving)
        return text
    return _plan_terms(offer.instalments, offer.frequency, offer.currency, lang, country)


def label(offer: OfferRead, lang: str, country: str = "") -> str:
    """An offer as a button says it: ``Pago único S/ 9,900.00 hasta el 11/12``, ``6 cuotas de
    S/ 1,650.00``, ``Inicial S/ 300.00 + 5 cuotas de S/ 180.00``."""
    currency = offer.currency
    if offer.plan_kind == PlanKind.settlement:
        return t(
            "bot.offer.label.settlement",
            lang,
            total=money(offer.total_minor, currency, lang, country),
            date=short_day(offer.instalments[0].due_date, lang, country),
        )
    down = next((r for r in offer.instalments if r.number == 0), None)
    regular = [r for r in offer.instalments if r.number > 0]
    text = t(
        "bot.offer.label.plan",
        lang,
        count=len(regular),
        amount=money(regular[0].amount_minor, currency, lang, country),
    )
    if down is None:
        return text
    first = money(down.amount_minor, currency, lang, country)
    return t("bot.offer.label.down", lang, amount=first, plan=text)


def plan_terms(plan: PlanRead, lang: str, country: str = "") -> str:
    if plan.kind == PlanKind.settlement:
        return t(
            "bot.offer.settlement",
            lang,
            total=money(plan.total_minor, plan.currency, lang, country),
            date=day(plan.instalments[0].due_date, lang, country),
        )
    return _plan_terms(plan.instalments, plan.frequency, plan.currency, lang, country)


def violation(items: list[dict[str, Any]], currency: str, lang: str, country: str = "") -> str:
    """The first reason a proposal was refused, for a debtor."""
    if not items:
        return t("bot.violation.other", lang)
    params = dict(items[0])
    key = f"bot.violation.{params.pop('code', '')}"
    for name, value in params.items():
        if name in _AMOUNTS and isinstance(value, int):
            params[name] = money(value, currency, lang, country)
        elif name in _DATES and isinstance(value, str):
            params[name] = day(date.fromisoformat(value), lang, country)
    text = t(key, lang, **params)
    return t("bot.violation.other", lang) if text == key else text
