"""shared/money.py: exact conversions, human parsing and formatting, allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.money import (
    CURRENCY_EXPONENTS,
    Money,
    MoneyError,
    _parse_written,
    allocate,
    exponent,
    from_decimal,
    parse_amount,
    to_decimal,
)

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
amounts = st.integers(min_value=-(10**15), max_value=10**15)


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("150.50", "PEN", 15050),
        ("150.5", "PEN", 15050),
        ("150", "PEN", 15000),
        ("1.230", "PEN", 123),  # trailing zeros are not extra precision
        ("12345", "CLP", 12345),
        ("12345.000", "CLP", 12345),
        ("1E+2", "USD", 10000),
        ("-0.01", "MXN", -1),
        ("0", "PYG", 0),
        (Decimal("99.99"), "COP", 9999),
        (7, "JPY", 7),
        ("9999999999999999.99", "PEN", 999_999_999_999_999_999),  # the API's 18 digits
    ],
)
def test_from_decimal_is_exact(value: object, currency: str, minor: int) -> None:
    assert from_decimal(value, currency) == minor  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("10.001", "PEN"),
        ("10.5", "CLP"),
        ("0.1", "JPY"),
        ("1E-999999999", "USD"),
        # More digits than a decimal context keeps: must not be rounded into acceptance.
        ("1.0000000000000000000000000000001", "PEN"),
        ("100000000000000000000000000000.001", "USD"),
    ],
)
def test_from_decimal_rejects_extra_precision(value: str, currency: str) -> None:
    with pytest.raises(MoneyError) as raised:
        from_decimal(value, currency)
    assert raised.value.code == "amount_precision"
    assert raised.value.params == {"currency": currency}


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", "-inf", "1E+999999999", "1e19"])
def test_from_decimal_rejects_non_amounts(value: str) -> None:
    with pytest.raises(MoneyError) as raised:
        from_decimal(value, "PEN")
    assert raised.value.code == "invalid_amount"


def test_unknown_currency() -> None:
    with pytest.raises(MoneyError) as raised:
        from_decimal("1", "XXX")
    assert (raised.value.code, raised.value.params) == ("unknown_currency", {"currency": "XXX"})
    with pytest.raises(MoneyError):
        Money(100, "PEN") + Money(100, "USD")
    with pytest.raises(MoneyError):
        Money(True, "PEN")  # type: ignore[arg-type]


@given(amounts, currencies)
def test_decimal_round_trip(minor: int, currency: str) -> None:
    assert from_decimal(to_decimal(minor, currency), currency) == minor
    assert from_decimal(str(to_decimal(minor, currency)), currency) == minor


@given(st.integers(min_value=0, max_value=10**12), currencies)
def test_one_more_decimal_than_allowed_is_rejected(minor: int, currency: str) -> None:
    text = f"{to_decimal(minor, currency):f}"
    text += "5" if "." in text else ".5"
    with pytest.raises(MoneyError) as raised:
        from_decimal(text, currency)
    assert raised.value.code == "amount_precision"


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1.234,50", "PEN", 123450),
        ("1,234.50", "PEN", 123450),
        ("S/ 1.234,50", "PEN", 123450),
        ("-S/ 1.234,50", "PEN", -123450),
        ("US$ 1,234.50", "USD", 123450),
        ("1.234", "PEN", 123400),  # one mark and three digits: thousands
        ("12,5", "PEN", 1250),
        ("150", "PEN", 15000),
        ("$ 1.234.567", "CLP", 1234567),
        ("1 234,50", "EUR", 123450),
        ("1'234.50", "USD", 123450),
        (",5", "PEN", 50),
        ("BOB 1.000,00", "BOB", 100000),
    ],
)
def test_parse_amount(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    "text", ["", "   ", "S/", "-", "abc", "12a", "1..2", "1,2,3", "1.2.3,4", "1.234,567.89"]
)
def test_parse_amount_rejects_garbage(text: str) -> None:
    with pytest.raises(MoneyError) as raised:
        parse_amount(text, "PEN")
    assert raised.value.code == "invalid_amount"


@pytest.mark.parametrize(("text", "currency"), [("1.234,567", "PEN"), ("1,5", "CLP")])
def test_parse_amount_precision(text: str, currency: str) -> None:
    with pytest.raises(MoneyError) as raised:
        parse_amount(text, currency)
    assert raised.value.code == "amount_precision"


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=500))
def test_allocate_sums_exactly_and_is_fair(total: int, parts: int) -> None:
    shares = allocate(total, parts)
    assert len(shares) == parts
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)  # leftovers go to the first parts


def test_allocate_examples() -> None:
    assert allocate(34, 4) == [9, 9, 8, 8]
    assert allocate(3, 5) == [1, 1, 1, 0, 0]
    with pytest.raises(ValueError):
        allocate(10, 0)


def test_exponents() -> None:
    assert (exponent("CLP"), exponent("PEN"), exponent("PYG"), exponent("COP")) == (0, 2, 0, 2)
    with pytest.raises(MoneyError):
        exponent("pen")


def _outcome(parse: object, text: str, currency: str) -> object:
    try:
        return parse(text, currency)  # type: ignore[operator]
    except MoneyError as exc:
        return exc.code


@given(
    st.from_regex(r"\A ?[0-9]{1,17}([.,][0-9]{0,3})? ?\Z"),
    st.sampled_from(["PEN", "CLP", "USD", "XXX"]),
)
def test_plain_amounts_read_as_the_written_rules_read_them(text: str, currency: str) -> None:
    """``parse_amount`` reads plain digits at once: always what the full rules give."""
    assert _outcome(parse_amount, text, currency) == _outcome(_parse_written, text, currency)
