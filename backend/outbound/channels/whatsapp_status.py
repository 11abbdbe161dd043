"""WhatsApp status webhooks (sent, delivered, read, failed) -> :class:`DeliveryUpdate`.

Meta posts statuses to the app's one webhook, beside inbound messages. The raw body's
``X-Hub-Signature-256`` is checked with pywa's validator before anything is read. Statuses
are read with pywa's types (``MessageStatusType``, ``WhatsAppError``) from every entry and
change of the body: pywa's ``MessageStatus.from_update`` reads only the first status of the
first change and needs a ``contacts`` list, which failed statuses do not carry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from pywa.errors import WhatsAppError
from pywa.types.message_status import MessageStatusType
from pywa.utils import webhook_updates_validator

from backend.outbound.channels.base import DeliveryUpdate, InvalidSignature

_STATUSES: dict[MessageStatusType, Literal["sent", "delivered", "read", "failed"]] = {
    MessageStatusType.SENT: "sent",
    MessageStatusType.DELIVERED: "delivered",
    MessageStatusType.READ: "read",
    MessageStatusType.PLAYED: "read",
    MessageStatusType.FAILED: "failed",
}
_KNOWN = frozenset(kind.value for kind in _STATUSES)


def parse_statuses(
    body: bytes, signature: str | None, *, app_secret: str, phone_number_id: str
) -> list[DeliveryUpdate]:
    """The status updates of our number in a signed webhook body, in order; raises
    :class:`InvalidSignature` when the signature is missing or does not match."""
    if not app_secret:
        raise InvalidSignature("COBRO_WHATSAPP_APP_SECRET is not set: statuses cannot be checked")
    if not signature or not webhook_updates_validator(app_secret, body, signature):
        raise InvalidSignature("X-Hub-Signature-256")
    return [_update(status) for status in _statuses(json.loads(body), phone_number_id)]


def _statuses(payload: dict[str, Any], phone_number_id: str) -> Iterator[dict[str, Any]]:
    for entry in payload.get("entry", ()):
        for change in entry.get("changes", ()):
            value = change.get("value", {})
            if (
                change.get("field") == "messages"
                and value.get("metadata", {}).get("phone_number_id") == phone_number_id
            ):
                for status in value.get("statuses", ()):
                    if str(status.get("status", "")).lower() in _KNOWN:
                        yield status


def _update(status: dict[str, Any]) -> DeliveryUpdate:
    kind = _STATUSES[MessageStatusType(status["status"])]
    errors = status.get("errors") or ()
    error = None
    if errors:  # older payloads have a title and no message
        problem = WhatsAppError.from_dict(
            error={"message": errors[0].get("title", ""), **errors[0]}
        )
        error = f"whatsapp {problem.code}: {problem.message}"
    return DeliveryUpdate(
        provider_ref=status["id"],
        status=kind,
        at=datetime.fromtimestamp(int(status["timestamp"]), UTC),
        error=error,
        key=status.get("biz_opaque_callback_data"),
    )
