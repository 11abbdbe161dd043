"""Cell parsers: each turns one cell into a typed value, ``None`` for a blank, or a FieldError.

Rules:
- Text is stripped and inner whitespace collapsed; numbers typed into text columns of a
  workbook (references, document numbers, phones) read as their integer digits.
- Amounts: ``shared.money.parse_amount`` (decimal commas, thousands groups, currency symbols);
  more decimals than the currency allows, negatives and absurd sizes are errors.
- Dates: ``YYYY-MM-DD`` (a trailing time is ignored) or ``DD/MM/YYYY``; workbook dates as they are.
- Phones: several separated by ``|`` or ``/``, each normalised to E.164 for the portfolio's
  country. E-mails: several separated by ``|``, ``;``, ``,`` or spaces. Contacts are optional:
  an invalid one is set apart (the row reports it as a warning and imports without it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from backend.imports.errors import FieldError
from backend.imports.reader import Cell
from shared.identity import IdentityError, normalize_id, normalize_phone
from shared.money import MoneyError, from_decimal, parse_amount
from shared.schemas.enums import Language, NationalIdType
from shared.text import fold

MAX_AMOUNT_MINOR = 10**15
MAX_PHONES = 10
MAX_EMAILS = 10

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_PHONE_SPLIT = re.compile(r"[|/]")
_EMAIL_SPLIT = re.compile(r"[|;,\s]+")
# An RFC 5322 dot-atom local part of ASCII letters, digits and the usual symbols.
_PLAIN_LOCAL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"
)

_ID_TYPES: dict[str, NationalIdType] = {
    **{member.value.lower(): member for member in NationalIdType},
    "pasaporte": NationalIdType.PASSPORT,
    "carneextranjeria": NationalIdType.CE,
    "carnedeextranjeria": NationalIdType.CE,
    "carnetextranjeria": NationalIdType.CE,
    "carnetdeextranjeria": NationalIdType.CE,
}
_LANGUAGES: dict[str, Language] = {
    "es": Language.es,
    "espanol": Language.es,
    "castellano": Language.es,
    "spanish": Language.es,
    "en": Language.en,
    "ingles": Language.en,
    "english": Language.en,
}


def text(cell: Cell, max_length: int) -> str | None:
    if isinstance(cell, Decimal):
        value = str(int(cell)) if cell == cell.to_integral_value() else str(cell)
    elif isinstance(cell, date):
        value = cell.isoformat()
    else:
        value = " ".join(cell.split())
    if not value:
        return None
    if len(value) > max_length:
        raise FieldError("too_long", max=max_length)
    return value


def id_type(cell: Cell) -> NationalIdType | None:
    raw = text(cell, 40)
    if raw is None:
        return None
    found = _ID_TYPES.get(re.sub(r"[^a-z0-9]", "", fold(raw)))
    if found is None:
        choices = ", ".join(member.value for member in NationalIdType)
        raise FieldError("invalid_id_type", value=raw, choices=choices)
    return found


def national_id(cell: Cell, kind: NationalIdType) -> str | None:
    raw = text(cell, 40)
    if raw is None:
        return None
    try:
        return normalize_id(kind, raw)
    except IdentityError as exc:
        raise FieldError(exc.code, value=raw, id_type=kind.value) from None


@dataclass(slots=True)
class Contacts:
    """The valid contacts of a cell, and the parts that are not (reported as warnings)."""

    valid: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def phones(cell: Cell, country: str) -> Contacts:
    raw = text(cell, 400)
    found = Contacts()
    for part in _PHONE_SPLIT.split(raw or ""):
        if not part.strip():
            continue
        try:
            e164 = normalize_phone(part.strip(), country)
        except IdentityError:
            found.invalid.append(part.strip())
            continue
        if e164 not in found.valid:
            found.valid.append(e164)
    if len(found.valid) > MAX_PHONES:
        raise FieldError("too_many", max=MAX_PHONES)
    return found


def emails(cell: Cell) -> Contacts:
    raw = text(cell, 1000)
    found = Contacts()
    for part in _EMAIL_SPLIT.split(raw or ""):
        if not part:
            continue
        address = _email(part)
        if address is None:
            found.invalid.append(part)
        elif address not in found.valid:
            found.valid.append(address)
    if len(found.valid) > MAX_EMAILS:
        raise FieldError("too_many", max=MAX_EMAILS)
    return found


def _email(raw: str) -> str | None:
    """Lower-cased address, or None. The same acceptance as the API (email-validator); plain
    ASCII addresses check their domain once per domain, which keeps 100,000 rows fast."""
    local, _, domain = raw.rpartition("@")
    if _PLAIN_LOCAL.match(local) and len(raw) <= 254:
        return f"{local}@{domain}".lower() if _domain_ok(domain.lower()) else None
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@lru_cache(maxsize=4096)
def _domain_ok(domain: str) -> bool:
    try:
        validate_email(f"x@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def amount(cell: Cell, currency: str) -> int | None:
    """Minor units, zero or more. Blank is ``None``."""
    if isinstance(cell, date):
        raise FieldError("invalid_amount", value=cell.isoformat())
    if isinstance(cell, str) and not cell.strip():
        return None
    try:
        minor = (
            from_decimal(cell, currency)
            if isinstance(cell, Decimal)
            else parse_amount(cell, currency)
        )
    except MoneyError as exc:
        raise FieldError(exc.code, value=str(cell).strip(), currency=currency) from None
    if minor < 0:
        raise FieldError("negative_amount", value=str(cell).strip())
    if minor > MAX_AMOUNT_MINOR:
        raise FieldError("amount_too_large", value=str(cell).strip())
    return minor


def a_date(cell: Cell) -> date | None:
    if isinstance(cell, date):
        return cell
    raw = text(cell, 40)
    if raw is None:
        return None
    if match := _ISO_DATE.match(raw):
        year, month, day = match.groups()
    elif match := _DMY_DATE.match(raw):
        day, month, year = match.groups()
    else:
        raise FieldError("invalid_date", value=raw)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise FieldError("invalid_date", value=raw) from None


def coordinate(cell: Cell, limit: int) -> float | None:
    """Degrees within ±``limit``; a decimal comma is accepted."""
    if isinstance(cell, Decimal):
        value = float(cell)
        shown = str(cell)
    else:
        shown = text(cell, 40) or ""
        if not shown:
            return None
        try:
            value = float(shown if "." in shown else shown.replace(",", "."))
        except ValueError:
            raise FieldError("invalid_coordinate", value=shown, limit=limit) from None
    if not -limit <= value <= limit:
        raise FieldError("invalid_coordinate", value=shown, limit=limit)
    return value


def language(cell: Cell) -> Language | None:
    raw = text(cell, 40)
    if raw is None:
        return None
    found = _LANGUAGES.get(fold(raw))
    if found is None:
        raise FieldError("invalid_language", value=raw)
    return found


def currency(cell: Cell, expected: str) -> str | None:
    raw = text(cell, 10)
    if raw is None:
        return None
    if raw.upper() != expected:
        raise FieldError("currency_mismatch", value=raw, expected=expected)
    return expected
