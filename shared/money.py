"""Money as integer minor units plus an ISO 4217 currency code.

Never floats: amounts cross every boundary as ``int`` minor units, and text is parsed with
``Decimal`` so "1234,50" or "1.234,50" become exactly 123450 for a two-decimal currency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

# ISO 4217 minor-unit exponents for the currencies we operate in (checked against ISO 4217:
# CLP 0, COP 2, PEN 2, MXN 2, USD 2, ...). Add a currency here before a portfolio may use it.
CURRENCY_EXPONENTS: dict[str, int] = {
    "ARS": 2,
    "BOB": 2,
    "BRL": 2,
    "CLP": 0,
    "COP": 2,
    "CRC": 2,
    "DOP": 2,
    "EUR": 2,
    "GTQ": 2,
    "HNL": 2,
    "JPY": 0,
    "MXN": 2,
    "NIO": 2,
    "PAB": 2,
    "PEN": 2,
    "PYG": 0,
    "USD": 2,
    "UYU": 2,
}

CURRENCY_SYMBOLS: dict[str, str] = {
    "PEN": "S/",
    "USD": "US$",
    "MXN": "$",
    "COP": "$",
    "CLP": "$",
    "ARS": "$",
    "EUR": "€",
    "BRL": "R$",
}


class MoneyError(ValueError):
    """Raised with a machine-readable ``code`` when an amount or currency is not acceptable;
    ``params`` (e.g. the currency) fill the translated message of that code."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(
            "unknown_currency", f"Unknown or unsupported currency: {currency!r}", currency=currency
        ) from None


def is_supported(currency: str) -> bool:
    return currency in CURRENCY_EXPONENTS


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise MoneyError("invalid_amount", "Money amounts are integer minor units")
        exponent(self.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(
                "currency_mismatch", f"Cannot combine {self.currency} with {other.currency}"
            )

    def to_decimal(self) -> Decimal:
        return to_decimal(self.amount, self.currency)


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-exponent(currency))


# Larger amounts cannot be stored (minor units live in a BIGINT column) and are never real debts.
MAX_MINOR_DIGITS = 18

# The database's hard range for every money column (balances included): |x| <= 10^15 minor units.
# Far below int64 (9.2 * 10^18), so a balance plus any amount can never overflow; portfolios
# accept at most their own, lower ceiling (``backend.amounts``).
MAX_STORED_MINOR = 10**15
# A portfolio's ceiling when it sets none: 10^13 minor units (100 000 000 000.00 in a
# two-decimal currency), above any real debt and 100 times below the stored range.
DEFAULT_MAX_AMOUNT_MINOR = 10**13


def from_decimal(value: Decimal | str | int, currency: str) -> int:
    """Exact conversion to minor units; more precision than the currency allows is an error.

    Integer arithmetic on the digits, not ``Decimal`` context operations, which round to 28
    significant digits and would silently accept "1.0000000000000000000000000000001".
    """
    try:
        dec = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise MoneyError("invalid_amount", f"Not an amount: {value!r}") from None
    if not dec.is_finite():
        raise MoneyError("invalid_amount", f"Not an amount: {value!r}")
    places = exponent(currency)
    sign, digits, exp = dec.as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    if not text:
        return 0
    shift = int(exp) + len(digits) - len(text) + places  # power of ten after the stripped zeros
    if shift < 0:
        raise MoneyError(
            "amount_precision",
            f"{value} has more decimals than {currency} allows ({places})",
            currency=currency,
        )
    if len(text) + shift > MAX_MINOR_DIGITS:
        raise MoneyError("invalid_amount", f"Amount too large: {value!r}")
    return (-1 if sign else 1) * int(text) * 10**shift


# Digits with at most one decimal mark and one or two decimals: no grouping to work out.
_PLAIN = re.compile(r"(\d{1,15})(?:[.,](\d{1,2}))?")
_AMOUNT_CHARS = re.compile(r"^[+-]?[\d.,\s']+$")
# The integer part: plain digits, or groups of three after one to three digits, with one mark.
_GROUPED = re.compile(r"^(\d*|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+)$")


def parse_amount(text: str, currency: str) -> int:
    """Parse human text ("1.234,50", "1,234.50", "S/ 150", "150") into minor units.

    The last separator followed by 1-2 digits (or exactly the currency's decimals) is the decimal
    mark; other separators group thousands. "1.234" with three digits after a single separator is
    a thousands group (1234), which is how both Spanish and English speakers write it.
    """
    plain = _PLAIN.fullmatch(text.strip())
    if plain is not None:  # "1234", "1234,5", "1234.50": the digits tell the amount at once
        places, cents = exponent(currency), plain[2] or ""
        if len(cents) <= places:
            return int(plain[1]) * 10**places + int(cents.ljust(places, "0") or 0)
    return _parse_written(text, currency)


def _parse_written(text: str, currency: str) -> int:
    raw = text.strip()
    for symbol in sorted({*CURRENCY_SYMBOLS.values(), currency, "$"}, key=len, reverse=True):
        raw = raw.replace(symbol, "")
    raw = raw.replace("\u00a0", " ").strip()
    if not raw or not _AMOUNT_CHARS.match(raw):
        raise MoneyError("invalid_amount", f"Not an amount: {text!r}")
    sign = ""
    if raw[0] in "+-":
        sign, raw = raw[0], raw[1:]
    raw = raw.replace(" ", "").replace("'", "")
    marks = [c for c in raw if c in ",."]
    if len(set(marks)) == 2:
        decimal_mark = raw[max(raw.rfind(","), raw.rfind("."))]
    elif len(marks) == 1 and len(raw) - raw.index(marks[0]) - 1 != 3:
        decimal_mark = marks[0]
    else:  # no mark, a repeated mark, or one mark followed by exactly three digits: grouping
        decimal_mark = ""
    head, _, tail = raw.rpartition(decimal_mark) if decimal_mark else (raw, "", "")
    if not _GROUPED.match(head):  # "1..2", "1,2,3", "1.234,567.8": not how anyone writes money
        raise MoneyError("invalid_amount", f"Not an amount: {text!r}")
    raw = head.replace(",", "").replace(".", "") + ("." + tail if decimal_mark else "")
    if not raw or raw == ".":
        raise MoneyError("invalid_amount", f"Not an amount: {text!r}")
    return from_decimal(sign + raw, currency)


def allocate(total: int, parts: int) -> list[int]:
    """Split ``total`` minor units into ``parts`` that sum exactly to it.

    Rule (Fowler's allocate): the leftover minor units go one each to the first parts,
    so 34 in 4 is [9, 9, 8, 8].
    """
    if parts <= 0:
        raise ValueError("parts must be positive")
    base, leftover = divmod(total, parts)
    return [base + 1 if i < leftover else base for i in range(parts)]
