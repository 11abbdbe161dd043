"""Verification factors: what a chat answers to prove it is the debtor (the last four digits of
a phone on file, or the birth date; ``backend.conversations.verification``).

Staff who change them are audited with masked values (the event shows that a phone or the
birth date changed, not what it is: the audit trail must not hand out the answer), and every
chat bound to the debtor loses its binding (``backend.conversations.bindings``)."""

from __future__ import annotations

from datetime import date
from typing import Any

FACTORS = ("phones", "birth_date")


def mask_phone(e164: str) -> str:
    """The country prefix and the length: never the last digits, which are the factor."""
    return e164[:3] + "*" * max(len(e164) - 3, 0)


def mask_birth_date(value: date | str | None) -> str | None:
    """The year only."""
    if value is None:
        return None
    return f"{str(value)[:4]}-**-**"


def masked(view: dict[str, Any]) -> dict[str, Any]:
    """An audit view with its factors masked (other keys as they are)."""
    out = dict(view)
    if out.get("phones") is not None:
        out["phones"] = [mask_phone(p) for p in out["phones"]]
    if "birth_date" in out:
        out["birth_date"] = mask_birth_date(out["birth_date"])
    return out


def changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether a factor changed between two views (phones as sets: the order is no factor)."""
    if set(before.get("phones") or ()) != set(after.get("phones") or ()):
        return True
    return before.get("birth_date") != after.get("birth_date")
