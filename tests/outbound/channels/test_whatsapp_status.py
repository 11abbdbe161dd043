"""WhatsApp status webhooks: signed bodies become delivery updates, anything else is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.outbound.channels.base import DeliveryUpdate, InvalidSignature
from backend.outbound.channels.whatsapp_status import parse_statuses
from tests.outbound.standins import WA_PHONE_ID

SECRET = "wa-app-secret"


def status(
    wamid: str, kind: str, *, key: str | None = None, code: int | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": wamid,
        "status": kind,
        "timestamp": "1700000100",
        "recipient_id": "51987654321",
    }
    if key is not None:
        entry["biz_opaque_callback_data"] = key
    if code is not None:  # failed deliveries carry errors and no contacts
        entry["errors"] = [
            {"code": code, "title": "Message undeliverable", "message": "Undeliverable"}
        ]
    return entry


def change(statuses: list[dict[str, Any]], phone_id: str = WA_PHONE_ID) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_id},
        "statuses": statuses,
    }
    if not any("errors" in s for s in statuses):
        value["contacts"] = [{"wa_id": "51987654321", "user_id": "PE.1234567890123"}]
    return {"value": value, "field": "messages"}


def body(*changes: dict[str, Any]) -> bytes:
    entry = {"id": "WABA-1", "changes": list(changes)}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def sign(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def parse(raw: bytes, signature: str | None) -> list[DeliveryUpdate]:
    return parse_statuses(raw, signature, app_secret=SECRET, phone_number_id=WA_PHONE_ID)


AT = datetime.fromtimestamp(1700000100, UTC)


@pytest.mark.parametrize("kind", ["sent", "delivered", "read"])
def test_a_signed_status_becomes_an_update_with_the_attempt_key(kind: str) -> None:
    raw = body(change([status("wamid.OUT1", kind, key="attempt-1")]))

    assert parse(raw, sign(raw)) == [
        DeliveryUpdate(provider_ref="wamid.OUT1", status=kind, at=AT, key="attempt-1")  # type: ignore[arg-type]
    ]


def test_a_failed_status_carries_its_error() -> None:
    raw = body(change([status("wamid.OUT1", "failed", code=131026)]))

    [update] = parse(raw, sign(raw))

    assert (update.status, update.error, update.key) == (
        "failed",
        "whatsapp 131026: Undeliverable",
        None,
    )


def test_every_status_of_every_change_is_read_and_other_numbers_are_left_out() -> None:
    raw = body(
        change([status("wamid.A", "sent"), status("wamid.B", "delivered")]),
        change([status("wamid.C", "read")], phone_id="someone-else"),
        change([status("wamid.D", "failed", code=131047)]),
    )

    updates = parse(raw, sign(raw))

    assert [(u.provider_ref, u.status) for u in updates] == [
        ("wamid.A", "sent"),
        ("wamid.B", "delivered"),
        ("wamid.D", "failed"),
    ]


def test_messages_and_unknown_statuses_yield_nothing() -> None:
    message = {"from": "51987654321", "id": "wamid.IN", "timestamp": "1", "type": "text"}
    inbound = {"value": {"metadata": {"phone_number_id": WA_PHONE_ID}, "messages": [message]}}
    raw = body(inbound | {"field": "messages"}, change([status("wamid.E", "deleted")]))

    assert parse(raw, sign(raw)) == []


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, sign(b"another body"), sign(b"x", "another-secret")],
)
def test_a_missing_or_wrong_signature_is_refused(signature: str | None) -> None:
    raw = body(change([status("wamid.OUT1", "delivered")]))

    with pytest.raises(InvalidSignature):
        parse(raw, signature)


def test_a_tampered_body_is_refused() -> None:
    raw = body(change([status("wamid.OUT1", "delivered")]))
    signature = sign(raw)

    with pytest.raises(InvalidSignature):
        parse(raw.replace(b"delivered", b"read"), signature)


def test_without_an_app_secret_nothing_is_accepted() -> None:
    raw = body(change([status("wamid.OUT1", "delivered")]))

    with pytest.raises(InvalidSignature):
        parse_statuses(raw, sign(raw, ""), app_secret="", phone_number_id=WA_PHONE_ID)
