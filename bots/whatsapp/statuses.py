"""WhatsApp delivery statuses (sent, delivered, read, failed) in a webhook body -> the
:class:`DeliveryReport` the bots relay to the backend (``/api/v1/outbound/deliveries``).

Meta posts statuses to the app's one webhook, beside inbound messages; the channel reads them
from the raw update after pywa's validator checked ``X-Hub-Signature-256``. They are read with
pywa's types (``MessageStatusType``, ``WhatsAppError``) from every entry and change of the body:
pywa's own status handling (``MessageStatusHandler``, ``MessageStatus.from_update``) does not
fit, it reads only the first status of the first change and needs a ``contacts`` list, which
failed statuses do not carry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pywa_async.errors import WhatsAppError
from pywa_async.types import MessageStatusType

from shared.schemas.outbound import DeliveryReport, DeliveryStatus

_STATUSES: dict[MessageStatusType, DeliveryStatus] = {
    MessageStatusType.SENT: "sent",
    MessageStatusType.DELIVERED: "delivered",
    MessageStatusType.READ: "read",
    MessageStatusType.PLAYED: "read",
    MessageStatusType.FAILED: "failed",
}
_KNOWN = frozenset(kind.value for kind in _STATUSES)


def read_statuses(update: Mapping[str, Any], phone_number_id: str | None) -> list[DeliveryReport]:
    """The delivery statuses of our number's messages in a (checked) webhook body, in order;
    other numbers' changes and statuses of other kinds (``deleted``...) are left out."""
    return [_report(status) for status in _statuses(update, phone_number_id)]


def values(update: Mapping[str, Any], phone_number_id: str | None) -> Iterator[dict[str, Any]]:
    """Every ``messages`` change value for our number in a webhook body (Meta may batch)."""
    for entry in update.get("entry", ()):
        for change in entry.get("changes", ()):
            value = change.get("value", {})
            if (
                change.get("field") == "messages"
                and value.get("metadata", {}).get("phone_number_id") == phone_number_id
            ):
                yield value


def _statuses(update: Mapping[str, Any], phone_number_id: str | None) -> Iterator[dict[str, Any]]:
    for value in values(update, phone_number_id):
        for status in value.get("statuses", ()):
            if str(status.get("status", "")).lower() in _KNOWN:
                yield status


def _report(status: dict[str, Any]) -> DeliveryReport:
    errors = status.get("errors") or ()
    error = None
    if errors:  # older payloads have a title and no message
        problem = WhatsAppError.from_dict(
            error={"message": errors[0].get("title", ""), **errors[0]}
        )
        error = f"whatsapp {problem.code}: {problem.message}"[:300]
    return DeliveryReport(
        message_id=status["id"],
        status=_STATUSES[MessageStatusType(str(status["status"]).lower())],
        at=datetime.fromtimestamp(int(status["timestamp"]), UTC),
        key=status.get("biz_opaque_callback_data"),
        error=error,
    )
