"""Money, dates and times as each country writes them (CLDR through Babel), for Spanish and
English readers: the table of ``../shared/reference/money.md`` and its neighbours."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.i18n import formats
from shared.money import parse_amount

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("minor", "currency", "lang", "country", "text"),
    [
        (1926450, "PEN", "es", "PE", f"S/{NBSP}19,264.50"),
        (1926450, "MXN", "es", "MX", "$19,264.50"),
        (1926400, "COP", "es", "CO", "$19.264"),
        (19264, "CLP", "es", "CL", "$19.264"),
        (1926450, "USD", "en", "US", "$19,264.50"),
        # English readers of a Latin-American portfolio: English digits, the local symbol.
        (1926450, "PEN", "en", "PE", f"S/{NBSP}19,264.50"),
        (19264, "CLP", "en", "CL", "$19,264"),
        (1926450, "MXN", "en", "MX", "$19,264.50"),
        # The defects the issue quotes: Peru and Mexico with their own separators.
        (1100000, "PEN", "es", "PE", f"S/{NBSP}11,000.00"),
        (123456789, "MXN", "es", "MX", "$1,234,567.89"),
        # An amount owed is never rounded: COP centavos shown when there are some.
        (1926450, "COP", "es", "CO", "$19.264,50"),
        (-5, "PEN", "es", "PE", f"-S/{NBSP}0.05"),
        # Without a country, the currency's home country.
        (1926450, "PEN", "es", "", f"S/{NBSP}19,264.50"),
    ],
)
def test_money_as_each_country_writes_it(
    minor: int, currency: str, lang: str, country: str, text: str
) -> None:
    assert formats.money(minor, currency, lang, country) == text


@given(
    minor=st.integers(-(10**12), 10**12),
    currency_country=st.sampled_from(
        [("PEN", "PE"), ("MXN", "MX"), ("COP", "CO"), ("CLP", "CL"), ("USD", "US")]
    ),
    lang=st.sampled_from(["es", "en"]),
)
def test_what_is_written_reads_back(minor: int, currency_country, lang: str) -> None:
    currency, country = currency_country
    assert parse_amount(formats.money(minor, currency, lang, country), currency) == minor


@pytest.mark.parametrize(
    ("lang", "country", "text"),
    [("es", "PE", "01/02/2026"), ("en", "PE", "01/02/2026"), ("en", "US", "02/01/2026")],
)
def test_dates_are_day_first_outside_the_us(lang: str, country: str, text: str) -> None:
    assert formats.day(date(2026, 2, 1), lang, country) == text


def test_times_are_in_the_portfolio_time_zone() -> None:
    at = datetime(2026, 12, 7, 15, 5, tzinfo=UTC)
    assert formats.moment(at, "America/Lima", "es", "PE") == "07/12/2026 10:05"
    assert formats.moment(at, "America/Santiago", "en", "CL") == "07/12/2026 12:05"


def _written(minor: int, style: dict[str, str | int]) -> str:
    """What a browser page writes from a :func:`formats.money_style` (the dashboard's script
    does the same steps)."""
    scale, digits = int(style["exponent"]), int(style["digits"])
    text = str(abs(minor)).rjust(scale + 1, "0")
    whole, fraction = (text[:-scale], text[-scale:]) if scale else (text, "")
    groups = f"{int(whole):,}".replace(",", str(style["group"]))
    shown = scale if fraction[digits:].strip("0") else digits
    decimals = f"{style['decimal']}{fraction[:shown]}" if shown else ""
    return f"{'-' if minor < 0 else ''}{style['prefix']}{groups}{decimals}{style['suffix']}"


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(["PEN", "MXN", "COP", "CLP", "USD", "ARS", "EUR"]),
    lang=st.sampled_from(["es", "en"]),
)
def test_a_money_style_writes_what_money_writes(minor: int, currency: str, lang: str) -> None:
    """A page writing amounts in the browser from the style writes them as ``money`` does."""
    assert _written(minor, formats.money_style(currency, lang)) == formats.money(
        minor, currency, lang
    )
