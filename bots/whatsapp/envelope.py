"""A signed Cloud API webhook body, checked and cut into the updates pywa reads.

pywa 4.5 reads only the first message of the first change of a body, and cannot read a
message whose ``contacts`` entry lacks ``user_id`` (the business-scoped id Meta added in 2025:
older payloads, and some still sent today, carry only ``wa_id``): it drops both. So a body
whose signature was checked is:

* refused as :class:`Malformed` (the webhook answers 400, never 500) unless it is a JSON object
  with ``entry`` a list of objects whose ``changes`` are lists of objects with a ``value``
  object (messages and statuses, when present, lists of objects);
* cut into one update per message, each with its own sender's contact (matched by ``wa_id`` or
  ``user_id``, else made from the message's ``from``), ``user_id`` filled in as absent
  (``None``) when the payload had none, so pywa builds the sender from ``wa_id``;
* plus, for a change that has anything besides messages (delivery statuses, errors), one update
  with the rest of that change (what the raw update handler reads statuses from).
"""

from __future__ import annotations

import json
from typing import Any


class Malformed(ValueError):
    """A correctly signed body that is not a Cloud API webhook envelope."""


def split(body: bytes) -> list[bytes]:
    """The updates of a checked body (see the module docstring); raises :class:`Malformed`."""
    try:
        update = json.loads(body)
    except ValueError as exc:
        raise Malformed("not JSON") from exc
    _check(update)
    pieces = []
    for entry in update["entry"]:
        for change in entry["changes"]:
            value = change["value"]
            messages = value.get("messages") or []
            contacts = value.get("contacts") or []
            shared = {k: v for k, v in value.items() if k not in ("messages", "contacts")}
            for message in messages:
                contact = _normalised(_contact_of(message, contacts))
                piece = {**shared, "contacts": [contact], "messages": [message]}
                pieces.append(_envelope(update, entry, change, piece))
            rest = {k: v for k, v in value.items() if k != "messages"}
            if not messages or set(rest) - {"messaging_product", "metadata", "contacts"}:
                pieces.append(_envelope(update, entry, change, rest))
    return [json.dumps(piece).encode() for piece in pieces]


def _check(update: Any) -> None:
    if not isinstance(update, dict) or not isinstance(update.get("entry"), list):
        raise Malformed("no entry list")
    for entry in update["entry"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            raise Malformed("an entry without a changes list")
        for change in entry["changes"]:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise Malformed("a change without a value")
            value = change["value"]
            for key in ("messages", "contacts", "statuses"):
                items = value.get(key, [])
                if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                    raise Malformed(f"{key} is not a list of objects")
            for message in value.get("messages", []):
                if not isinstance(message.get("id"), str) or not message.get("type"):
                    raise Malformed("a message without an id or a type")


def _contact_of(message: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    sender = message.get("from")
    for contact in contacts:
        if sender is not None and sender in (contact.get("wa_id"), contact.get("user_id")):
            return contact
    if len(contacts) == 1 and sender is None:
        return contacts[0]
    return {"wa_id": sender, "profile": {}}


def _normalised(contact: dict[str, Any]) -> dict[str, Any]:
    return {"user_id": None, **contact}


def _envelope(
    update: dict[str, Any], entry: dict[str, Any], change: dict[str, Any], value: dict[str, Any]
) -> dict[str, Any]:
    return {**update, "entry": [{**entry, "changes": [{**change, "value": value}]}]}
