"""What a debtor is told about a dispute, in their language, with the portfolio's money and
dates (``shared.i18n.formats``). Messages are stored and answered as a key plus plain params
(ISO dates, minor units, the currency and country), so the bot, the portal and a later push
render the same words."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.i18n import formats, t
from shared.schemas.disputes import DebtorMessage

# Params holding an ISO date, shown as the portfolio's country writes dates.
DATES = frozenset({"respond_by", "resolved_on"})
MONEY_SUFFIX = "_minor"


def render(key: str, params: dict[str, Any], lang: str) -> DebtorMessage:
    """``key`` with ``params`` in ``lang``: ``x_minor`` params become ``x`` as money in
    ``params["currency"]``, date params the country's day format."""
    country, currency = params.get("country", ""), params.get("currency", "")
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name.endswith(MONEY_SUFFIX) and value is not None:
            shown[name.removesuffix(MONEY_SUFFIX)] = formats.money(value, currency, lang, country)
        elif name in DATES and value is not None:
            shown[name] = formats.day(date.fromisoformat(value), lang, country)
        else:
            shown[name] = value
    return DebtorMessage(key=key, params=params, text=t(key, lang, **shown))
