"""How people read money, dates and times: CLDR (Babel) by the portfolio's country and the
reader's language, the one formatter every app uses (API pages, bots, the field app, messages).

* ``money(minor, currency, lang, country)``: Spanish readers get their country's CLDR locale
  (``S/ 19,264.50`` in Peru, ``$19,264.50`` in Mexico, ``$19.264`` in Colombia and Chile).
  English readers of a Latin-American portfolio get English digits (``,`` thousands, ``.``
  decimals) with the country's own symbol and pattern (``S/ 19,264.50``, ``$19,264``), since
  CLDR's English would print ``PEN19,264.50``; in the US, ``en_US``. Decimals are CLDR's for
  the currency (none for COP and CLP) unless the amount has minor units there: an amount owed
  is never shown rounded.
  ``money_style``: the same rules as data, for pages that write amounts in the browser.
* ``day(date, lang, country)``: day first in every Latin-American locale, in English too
  (``01/02/2026`` is 1 February); ``en_US`` in the US. ``short_day``: the same without the
  year (``01/02``). ``long_day``: in words, CLDR's medium style (``15 dic. 2026``).
* ``moment(datetime, timezone, lang, country)``: the day and the time in the portfolio's time
  zone, never UTC.

``country`` may be empty when a caller does not know it (then the currency's usual country is
assumed: ``PEN`` is Peru's, ``USD`` the US's).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

from shared.money import exponent, to_decimal

HOME = {"PEN": "PE", "MXN": "MX", "COP": "CO", "CLP": "CL", "USD": "US", "ARS": "AR"}
LATIN_AMERICA_DATE = "dd/MM/yyyy"
_ENGLISH = "en_001"  # English with day-first dates


def country_of(currency: str, country: str = "") -> str:
    return (country or HOME.get(currency, "")).upper()


@lru_cache(maxsize=256)
def locale_for(lang: str, country: str) -> Locale:
    """The CLDR locale of a reader of ``lang`` in ``country`` (``es_PE``; ``en_US``)."""
    if lang == "en":
        return Locale.parse("en_US" if country == "US" else _ENGLISH)
    try:
        return Locale.parse(f"es_{country}") if country else Locale.parse("es")
    except (ValueError, LookupError):
        return Locale.parse("es")


@lru_cache(maxsize=256)
def _pattern(lang: str, country: str, currency: str, digits: int) -> tuple[str, Locale, str]:
    """(number pattern, locale whose digits are used, symbol) for these readers."""
    local = locale_for("es", country) if country else Locale.parse("es")
    if lang == "en" and country == "US":
        local = locale_for("en", "US")
    numbers = local if lang == "es" or country == "US" else locale_for("en", country)
    pattern = local.currency_formats["standard"].pattern.split(";")[0]
    fraction = "." + "0" * digits if digits else ""
    pattern = re.sub(r"#,##0(\.0+)?", "#,##0" + fraction, pattern)
    return pattern, numbers, get_currency_symbol(currency, local)


def money(amount_minor: int, currency: str, lang: str = "es", country: str = "") -> str:
    country = country_of(currency, country)
    amount = to_decimal(amount_minor, currency)
    digits = min(get_currency_precision(currency), exponent(currency))
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        digits = exponent(currency)  # minor units CLDR would round away
    pattern, numbers, symbol = _pattern(lang, country, currency, digits)
    text = format_currency(amount, currency, format=pattern, locale=numbers, currency_digits=False)
    generic = get_currency_symbol(currency, numbers)
    return text.replace(generic, symbol, 1) if generic != symbol else text


def money_style(currency: str, lang: str = "es", country: str = "") -> dict[str, str | int]:
    """How :func:`money` writes ``currency`` for these readers, for a page that writes amounts
    in the browser (the KPI dashboard): the text before and after the digits, the grouping and
    decimal symbols, the decimals shown (``digits``) and those shown when an amount has minor
    units there (``exponent``). Read off :func:`money` itself, so the two cannot differ."""
    minor = exponent(currency)
    text = money(123_456_789, currency, lang, country)  # grouped, with its minor units shown
    first = next(i for i, c in enumerate(text) if c.isdigit())
    last = max(i for i, c in enumerate(text) if c.isdigit())
    number = text[first : last + 1]
    whole = number[: -minor - 1] if minor else number
    return {
        "prefix": text[:first],
        "suffix": text[last + 1 :],
        "group": next((c for c in whole if not c.isdigit()), ""),
        "decimal": number[-minor - 1] if minor else "",
        "digits": min(get_currency_precision(currency), minor),
        "exponent": minor,
    }


def day(value: date, lang: str = "es", country: str = "") -> str:
    if country.upper() == "US":
        return format_date(value, "MM/dd/yyyy", locale=locale_for(lang, "US"))
    return format_date(value, LATIN_AMERICA_DATE, locale=locale_for(lang, country))


def short_day(value: date, lang: str = "es", country: str = "") -> str:
    """The day and month alone, in the order ``day`` writes them (``11/12``; ``12/11`` in the
    US): for a label where the year goes without saying."""
    pattern = "MM/dd" if country.upper() == "US" else "dd/MM"
    return format_date(value, pattern, locale=locale_for(lang, country.upper()))


def long_day(value: date, lang: str = "es", country: str = "") -> str:
    """The day in words, CLDR's medium style: ``15 dic. 2026``, ``15 Dec 2026``, ``Dec 15, 2026``
    in the US."""
    return format_date(value, "medium", locale=locale_for(lang, country.upper()))


def moment(value: datetime, timezone: str, lang: str = "es", country: str = "") -> str:
    local = value.astimezone(ZoneInfo(timezone))
    clock = format_time(local, "HH:mm", locale=locale_for(lang, country.upper()))
    return f"{day(local.date(), lang, country)} {clock}"
