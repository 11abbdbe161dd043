"""National identity documents and phone numbers: normalisation and validation.

Formats with a known structure are checked (lengths, patterns, check digits for RUC, NIT and
RUT); others (CE, passport) only for allowed characters. Used by the backend and by the bots.
"""

from __future__ import annotations

import re

import phonenumbers

from shared.schemas.enums import NationalIdType


class IdentityError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_PATTERNS: dict[NationalIdType, re.Pattern[str]] = {
    NationalIdType.DNI: re.compile(r"^\d{8}$"),
    NationalIdType.RUC: re.compile(r"^(10|15|16|17|20)\d{9}$"),
    NationalIdType.CE: re.compile(r"^[A-Z0-9]{6,12}$"),
    NationalIdType.CC: re.compile(r"^\d{6,10}$"),
    NationalIdType.NIT: re.compile(r"^\d{6,15}$"),
    NationalIdType.CURP: re.compile(r"^[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$"),
    NationalIdType.RFC: re.compile(r"^[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}$"),
    NationalIdType.RUT: re.compile(r"^\d{7,8}[0-9K]$"),
    NationalIdType.SSN: re.compile(r"^(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}$"),
    NationalIdType.PASSPORT: re.compile(r"^[A-Z0-9]{5,20}$"),
}


def normalize_id(id_type: NationalIdType, raw: str) -> str:
    """Upper-case and strip separators ("12.345.678-5" -> "123456785"); raises IdentityError."""
    value = re.sub(r"[\s.\-/]", "", raw).upper()
    if not _PATTERNS[id_type].match(value):
        raise IdentityError("invalid_national_id", f"{raw!r} is not a valid {id_type.value}")
    check = _CHECKS.get(id_type)
    if check and not check(value):
        raise IdentityError("invalid_check_digit", f"{raw!r}: wrong {id_type.value} check digit")
    return value


def _ruc_ok(value: str) -> bool:
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    total = sum(int(d) * w for d, w in zip(value[:10], weights, strict=True))
    digit = 11 - total % 11
    digit = {10: 0, 11: 1}.get(digit, digit)
    return digit == int(value[10])


def _rut_ok(value: str) -> bool:
    body, dv = value[:-1], value[-1]
    total, factor = 0, 2
    for d in reversed(body):
        total += int(d) * factor
        factor = 2 if factor == 7 else factor + 1
    expected = 11 - total % 11
    return dv == {11: "0", 10: "K"}.get(expected, str(expected))


def _nit_ok(value: str) -> bool:
    """Colombian NIT with its DIAN check digit as the last digit."""
    primes = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)
    body, dv = value[:-1], int(value[-1])
    total = sum(int(d) * p for d, p in zip(reversed(body), primes, strict=False))
    rest = total % 11
    return dv == (rest if rest < 2 else 11 - rest)


_CHECKS = {NationalIdType.RUC: _ruc_ok, NationalIdType.RUT: _rut_ok, NationalIdType.NIT: _nit_ok}


def normalize_phone(raw: str, default_region: str | None = None) -> str:
    """E.164 ("+51987654321"); national numbers need the portfolio's country as region."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise IdentityError("invalid_phone", f"{raw!r} is not a phone number") from None
    _drop_mexican_mobile_one(number)
    if not phonenumbers.is_valid_number(number):
        raise IdentityError("invalid_phone", f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _drop_mexican_mobile_one(number: phonenumbers.PhoneNumber) -> None:
    """Mexico dropped the ``1`` dialled before mobile numbers (``+52 1 55 1234 5678``) in
    2019: such numbers are read as the current ten-digit ``+52 55 1234 5678``."""
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        number.national_number = int(national[1:])


def ruc_check_digit(first10: str) -> str:
    """The digit that completes a RUC (for generating demo and test data)."""
    for d in "0123456789":
        if _ruc_ok(first10 + d):
            return d
    raise ValueError(first10)


def rut_check_digit(body: str) -> str:
    for d in "0123456789K":
        if _rut_ok(body + d):
            return d
    raise ValueError(body)


def nit_check_digit(body: str) -> str:
    for d in "0123456789":
        if _nit_ok(body + d):
            return d
    raise ValueError(body)
