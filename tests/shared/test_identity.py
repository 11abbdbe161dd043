"""shared/identity.py: national IDs (patterns, check digits) and phones to E.164."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.identity import (
    IdentityError,
    _drop_mexican_mobile_one,
    _plain_number,
    nit_check_digit,
    normalize_id,
    normalize_phone,
    ruc_check_digit,
    rut_check_digit,
)
from shared.schemas.enums import NationalIdType as T


@pytest.mark.parametrize(
    ("id_type", "raw", "normalized"),
    [
        # Published numbers of real institutions, so the algorithms are checked independently.
        (T.RUC, "20131312955", "20131312955"),  # SUNAT
        (T.RUC, "20100047218", "20100047218"),  # Banco de Crédito del Perú
        (T.RUT, "12.345.678-5", "123456785"),
        (T.RUT, "11.111.111-1", "111111111"),
        (T.RUT, "7.654.321-6", "76543216"),
        (T.NIT, "800.197.268-4", "8001972684"),  # DIAN
        (T.NIT, "899999068-1", "8999990681"),
        (T.DNI, "  4567-8912 ", "45678912"),
        (T.CC, "1.020.304.050", "1020304050"),
        (T.CURP, "gode561231hdfrrn09", "GODE561231HDFRRN09"),
        (T.RFC, "GODE561231GR8", "GODE561231GR8"),  # person: 4 letters
        (T.RFC, "ABC680524P76", "ABC680524P76"),  # company: 3 letters
        (T.CE, "ab123456", "AB123456"),
        (T.PASSPORT, "x1234567", "X1234567"),
        (T.SSN, "123-45-6789", "123456789"),
    ],
)
def test_valid_ids_are_normalized(id_type: T, raw: str, normalized: str) -> None:
    assert normalize_id(id_type, raw) == normalized


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [
        (T.RUC, "20131312954"),
        (T.RUC, "20100047219"),
        (T.RUT, "12.345.678-K"),
        (T.RUT, "11.111.111-2"),
        (T.NIT, "800.197.268-5"),
    ],
)
def test_wrong_check_digit(id_type: T, raw: str) -> None:
    with pytest.raises(IdentityError) as raised:
        normalize_id(id_type, raw)
    assert raised.value.code == "invalid_check_digit"


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [
        (T.DNI, "1234567"),
        (T.DNI, "123456789"),
        (T.DNI, "1234567A"),
        (T.RUC, "30131312955"),  # no such prefix
        (T.RUC, "2013131295"),
        (T.RUT, "12.345.678-X"),
        (T.CURP, "GODE561231HDFRRN0"),
        (T.CURP, "GBDE561231HDFRRN09"),  # second letter must be a vowel or X
        (T.CURP, "GODE561231ZDFRRN09"),  # sex is H, M or X
        (T.RFC, "GO561231GR8"),
        (T.RFC, "GODE56123GR8"),
        (T.CC, "12345"),
        (T.SSN, "000-12-3456"),
        (T.SSN, "123-00-4567"),
        (T.PASSPORT, "AB#123"),
        (T.CE, ""),
    ],
)
def test_invalid_patterns(id_type: T, raw: str) -> None:
    with pytest.raises(IdentityError) as raised:
        normalize_id(id_type, raw)
    assert raised.value.code == "invalid_national_id"


@given(st.from_regex(r"(10|15|16|17|20)\d{8}", fullmatch=True))
def test_ruc_check_digit_completes_exactly_one_number(first10: str) -> None:
    digit = ruc_check_digit(first10)
    assert normalize_id(T.RUC, first10 + digit) == first10 + digit
    for other in set("0123456789") - {digit}:
        with pytest.raises(IdentityError):
            normalize_id(T.RUC, first10 + other)


@given(st.integers(min_value=1_000_000, max_value=99_999_999))
def test_rut_check_digit_completes_exactly_one_number(body: int) -> None:
    digit = rut_check_digit(str(body))
    dotted = f"{body:,}".replace(",", ".") + "-" + digit.lower()
    assert normalize_id(T.RUT, dotted) == f"{body}{digit}"
    for other in set("0123456789K") - {digit}:
        with pytest.raises(IdentityError):
            normalize_id(T.RUT, f"{body}{other}")


@given(st.from_regex(r"[1-9]\d{5,13}", fullmatch=True))
def test_nit_check_digit_completes_exactly_one_number(body: str) -> None:
    digit = nit_check_digit(body)
    assert normalize_id(T.NIT, f"{body}-{digit}") == body + digit
    for other in set("0123456789") - {digit}:
        with pytest.raises(IdentityError):
            normalize_id(T.NIT, body + other)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("987654321", "PE", "+51987654321"),
        ("987 654 321", "PE", "+51987654321"),
        ("(01) 411-1111", "PE", "+5114111111"),
        ("+51 987 654 321", None, "+51987654321"),
        ("+51 987 654 321", "CO", "+51987654321"),  # an explicit country code wins
        ("300 123 4567", "CO", "+573001234567"),
        ("55 1234 5678", "MX", "+525512345678"),
        ("9 6123 4567", "CL", "+56961234567"),
        ("+1 650 253 0000", None, "+16502530000"),
    ],
)
def test_phones_to_e164(raw: str, region: str | None, e164: str) -> None:
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("12345", "PE"),
        ("987654321", None),  # a national number needs a region
        ("abc", "PE"),
        ("", "PE"),
        ("+999 123456", None),
        ("0000000000", "CO"),
        ("9" * 300, "PE"),
    ],
)
def test_invalid_phones(raw: str, region: str | None) -> None:
    with pytest.raises(IdentityError) as raised:
        normalize_phone(raw, region)
    assert raised.value.code == "invalid_phone"


def _parsed_e164(raw: str, region: str) -> str | None:
    """The long way, always through ``phonenumbers.parse`` (what the shortcut must equal)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    _drop_mexican_mobile_one(number)
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    "region", ["PE", "MX", "CO", "CL", "AR", "EC", "BR", "US", "ES", "GB", "IT", "RU", "DE"]
)
def test_plain_numbers_read_as_phonenumbers_parses_them(region: str) -> None:
    """The plain spellings skip ``phonenumbers.parse``: the result is the same for numbers
    shaped like the region's own (its prefixes, calling code, mobile and fixed lines)."""
    rnd = random.Random(region)
    code = str(phonenumbers.country_code_for_region(region))
    examples = [
        str(example.national_number)
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    ]
    starts = ["", "0", "00", "1", "9", "15", "19", "011", code, "0" + code, "1" + code]
    checked = shortcut = 0
    for _ in range(1500):
        if rnd.random() < 0.5:  # around the region's own numbers
            example = rnd.choice(examples)
            kept = example[: rnd.randint(1, len(example))]
            size = len(example) + rnd.choice((-1, 0, 0, 0, 1))
            digits = rnd.choice(["", "", "0", code]) + kept
        else:
            digits = rnd.choice(starts)
            size = len(digits) + rnd.randint(1, 14)
        digits += "".join(rnd.choices("0123456789", k=max(0, size - len(digits))))
        for raw in (digits, "+" + code + digits, "+" + digits):
            expected = _parsed_e164(raw, region)
            try:
                found: str | None = normalize_phone(raw, region)
            except IdentityError:
                found = None
            assert found == expected, raw
            checked += 1
            shortcut += _plain_number(raw, region) is not None and expected is not None
    assert shortcut > checked // 30  # the shortcut was really taken, and for valid numbers
