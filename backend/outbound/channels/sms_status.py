"""Twilio status callbacks -> :class:`DeliveryUpdate`, after ``X-Twilio-Signature`` is checked
with Twilio's ``RequestValidator``.

The signature covers the URL Twilio called (as given in ``status_callback``, the attempt's key
in its query) and the form fields; behind a proxy, rebuild that URL from COBRO_PUBLIC_URL and
the request's path and query. Twilio's callbacks carry no event time: ``at`` is when it came.

``MessageStatus``: sent, delivered, read (WhatsApp senders), undelivered/failed/canceled ->
failed; accepted, scheduled, queued and sending are steps before a result and yield nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator

from backend.outbound.channels.base import DeliveryUpdate, InvalidSignature

_STATUSES: dict[str, Literal["sent", "delivered", "read", "failed"]] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}


def parse_status(
    url: str,
    form: Mapping[str, str],
    signature: str | None,
    *,
    auth_token: str,
    at: datetime,
) -> list[DeliveryUpdate]:
    """The update in one signed status callback (none for in-between statuses); raises
    :class:`InvalidSignature` when the signature is missing or does not match."""
    if not signature or not RequestValidator(auth_token).validate(url, dict(form), signature):
        raise InvalidSignature("X-Twilio-Signature")
    status = _STATUSES.get(form.get("MessageStatus", ""))
    if status is None:
        return []
    code = form.get("ErrorCode")
    key = parse_qs(urlsplit(url).query).get("key", [None])[0]
    return [
        DeliveryUpdate(
            provider_ref=form["MessageSid"],
            status=status,
            at=at,
            error=f"twilio {code}" if code and status == "failed" else None,
            key=key,
        )
    ]
