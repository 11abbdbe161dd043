"""National identity documents and phone numbers: normalisation and validation.

Formats with a known structure are checked (lengths, patterns, check digits for RUC, NIT and
RUT); others (CE, passport) only for allowed characters. Used by the backend and by the bots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
    plain = _plain_number(raw, default_region)
    if plain is not None and plain[0].valid_lengths is not None:
        region, digits = plain
        if not _valid_in(region, digits):
            raise IdentityError("invalid_phone", f"{raw!r} is not a valid phone number")
        return f"+{region.calling_code}{digits}"
    if plain is not None:
        number = phonenumbers.PhoneNumber(
            country_code=plain[0].country_code, national_number=int(plain[1])
        )
    else:
        try:
            number = phonenumbers.parse(raw, default_region)
        except phonenumbers.NumberParseException:
            raise IdentityError("invalid_phone", f"{raw!r} is not a phone number") from None
        _drop_mexican_mobile_one(number)
    if not phonenumbers.is_valid_number(number):
        raise IdentityError("invalid_phone", f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True, slots=True)
class _Region:
    """What ``phonenumbers`` consults for a number written in a region's plain form: the
    prefixes ``parse`` looks for and, for a calling code of one region only, the patterns
    ``is_valid_number`` tries (its general pattern, then those of each type of number), put
    together per length of number."""

    country_code: int
    calling_code: str
    international_prefix: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None
    general: re.Pattern[str] | None
    valid_lengths: dict[int, re.Pattern[str]] | None


_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@lru_cache(maxsize=256)
def _region(code: str) -> _Region | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(code.upper(), None)
    if metadata is None:
        return None
    idd, prefix = metadata.international_prefix, metadata.national_prefix_for_parsing
    general, valid = None, None
    desc = metadata.general_desc
    alone = len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ())) == 1
    if alone and desc is not None and desc.national_number_pattern and desc.possible_length:
        general = re.compile(desc.national_number_pattern)
        valid = {}
        for length in desc.possible_length:
            patterns = [
                f"(?:{kind.national_number_pattern})"
                for kind in (getattr(metadata, name) for name in _TYPES)
                if kind is not None
                and kind.national_number_pattern
                and (not kind.possible_length or length in kind.possible_length)
            ]
            if patterns:
                valid[length] = re.compile("|".join(patterns))
    return _Region(
        metadata.country_code,
        str(metadata.country_code),
        re.compile(idd) if idd else None,
        re.compile(prefix) if prefix else None,
        general,
        valid,
    )


def _valid_in(region: _Region, digits: str) -> bool:
    """``is_valid_number`` for a national number of a region that has its calling code alone."""
    assert region.general is not None and region.valid_lengths is not None
    kinds = region.valid_lengths.get(len(digits))
    return (
        kinds is not None
        and region.general.fullmatch(digits) is not None
        and kinds.fullmatch(digits) is not None
    )


def _plain_number(raw: str, default_region: str | None) -> tuple[_Region, str] | None:
    """The region and national digits ``phonenumbers.parse`` would find in the common plain
    spellings (the national significant digits alone, or ``+`` and the region's own calling
    code before them), found without parsing: ``parse`` and ``is_valid_number`` are most of the
    cost of a phone in a large import. ``None`` for anything else (the caller parses): a
    leading 0, a start that could be the region's international or national prefix or its
    calling code, other characters, Mexico's legacy mobile ``1``."""
    if default_region is None or not raw.isascii():
        return None
    region = _region(default_region)
    if region is None:
        return None
    digits = raw
    if raw.startswith("+"):
        if not raw.startswith(region.calling_code, 1):
            return None
        digits = raw[1 + len(region.calling_code) :]
    elif raw.startswith(region.calling_code) or (
        region.international_prefix is not None and region.international_prefix.match(raw)
    ):
        return None
    if not (2 <= len(digits) <= 17 and digits.isdigit()) or digits[0] == "0":
        return None
    if region.national_prefix is not None:
        found = region.national_prefix.match(digits)
        if found is not None and (found.end() or any(g is not None for g in found.groups())):
            return None
    if region.country_code == 52 and len(digits) == 11 and digits[0] == "1":
        return None
    return region, digits


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
