"""Verification factors: what a chat answers to prove it is the debtor (the last four digits of
a phone on file, or the birth date; ``backend.conversations.verification``).

Staff who change them are audited with masked values (``backend.audit.masking``: the event
shows that a phone or the birth date changed, not what it is: the audit trail must not hand out
the answer), and every chat bound to the debtor loses its binding
(``backend.conversations.bindings``)."""

from __future__ import annotations

from typing import Any

FACTORS = ("phones", "birth_date")


def changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether a factor changed between two views (phones as sets: the order is no factor)."""
    if set(before.get("phones") or ()) != set(after.get("phones") or ()):
        return True
    return before.get("birth_date") != after.get("birth_date")
