"""What an audit event may keep of personal data: one policy, by field name, for every domain.

Audit events are append-only and kept for years, longer than the personal data they describe
may be (an erased debtor's events stay), and they are read by more people than the debtor's
own record (account timelines, the admin's audit list, creditors' webhooks). So an event keeps
references (ids) and masked values, never the raw data:

* national ID (``id_number``): the last four characters, ``****5678``;
* phones (``e164``, ``phone``, ``phones``): the first three characters (the country code) and
  the length, ``+51*********``: never the last four digits, which a chat answers to prove it
  is the debtor (``backend.conversations.verification``);
* e-mails (``email``, ``emails``): the first letter and the domain, ``r***@example.com``;
* birth date: nothing, ``****-**-**``;
* street (``line1``, ``address``) and search text: nothing, ``***`` (district, city and
  region stay);
* coordinates (``latitude``, ``longitude``): two decimals (about a kilometre);
* a person's names (``first_name``, ``last_name``, ``debtor_name``): the initial, ``R***``;
* a recipient or a chat's id (``recipient``, ``contact``): as an e-mail or a phone, by its
  shape;
* free text agents write about the debtor (a visit's ``note``, a field note's ``text``):
  nothing, ``***`` (the visit or note itself keeps it, and erasure clears it there).

Masks are idempotent (a masked value masks to itself), so a row may pass the policy twice.
Lists are masked item by item and nested objects (an address inside ``addresses``) key by key.
``backend.audit.service`` applies the policy to every event it writes, whichever way it is
written; an update's changes are found on the raw values first (``audit.changes``), so a new
phone that masks like the old one is still recorded as a change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BIRTH_DATE = "****-**-**"
HIDDEN = "***"


def mask_id(value: str) -> str:
    return "****" + value[-4:] if len(value) > 4 else "****"


def mask_phone(value: str) -> str:
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 3)


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return HIDDEN
    return f"{local[:1]}***@{domain}"


def mask_contact(value: str) -> str:
    """A recipient: an e-mail address or a phone number (or a chat id), by its shape."""
    return mask_email(value) if "@" in value else mask_phone(value)


def mask_name(value: str) -> str:
    return f"{value[:1]}***" if value else value


def _hidden(value: str) -> str:
    return HIDDEN


def _birth_date(value: str) -> str:
    return BIRTH_DATE


def _coordinate(value: Any) -> Any:
    return round(value, 2) if isinstance(value, int | float) else value


_STRING_MASKS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id,
    "e164": mask_phone,
    "phone": mask_phone,
    "phones": mask_phone,
    "email": mask_email,
    "emails": mask_email,
    "birth_date": _birth_date,
    "line1": _hidden,
    "address": _hidden,
    "search_text": _hidden,
    "id_number_index": _hidden,  # blind indexes: keyed hashes of the document and phones
    "e164_index": _hidden,
    "first_name": mask_name,
    "last_name": mask_name,
    "debtor_name": mask_name,
    "recipient": mask_contact,
    "contact": mask_contact,  # a chat's id (a WhatsApp number) in a callback request
    "note": _hidden,  # free text about the debtor (visits, field notes)
    "text": _hidden,
    "statement": _hidden,  # a debtor's own words when disputing a debt
}
_NUMBER_MASKS: dict[str, Callable[[Any], Any]] = {
    "latitude": _coordinate,
    "longitude": _coordinate,
}
PERSONAL_KEYS = frozenset(_STRING_MASKS) | frozenset(_NUMBER_MASKS)


def masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of an event's ``before`` or ``after`` with every personal field masked."""
    if values is None:
        return None
    return {key: _masked_value(key, value) for key, value in values.items()}


def _masked_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return masked(value)
    if isinstance(value, list):
        return [_masked_value(key, item) for item in value]
    if (mask := _STRING_MASKS.get(key)) is not None:
        return mask(value) if isinstance(value, str) else _non_text(key, value)
    if (number_mask := _NUMBER_MASKS.get(key)) is not None:
        return number_mask(value)
    return value


def _non_text(key: str, value: Any) -> Any:
    """A personal field given as something other than text: a birth ``date``, or a count
    (the import's ``addresses: 2``), which says nothing about the person."""
    if isinstance(value, bool | int):
        return value
    return _STRING_MASKS[key](str(value))
