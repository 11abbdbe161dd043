"""WhatsApp delivery statuses read from a webhook body: every status of our number, in order,
with the reminder's key Meta echoed and the error of a failed one. (The webhook checks the
signature before anything is read: ``test_whatsapp.test_forged_updates_are_refused_unread``.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bots.whatsapp.statuses import read_statuses
from shared.schemas.outbound import DeliveryReport
from tests.channels.conftest import WA_PHONE_ID


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


def body(*changes: dict[str, Any]) -> dict[str, Any]:
    entry = {"id": "WABA-1", "changes": list(changes)}
    # As the webhook reads it: JSON off the wire.
    return json.loads(json.dumps({"object": "whatsapp_business_account", "entry": [entry]}))


AT = datetime.fromtimestamp(1700000100, UTC)


@pytest.mark.parametrize("kind", ["sent", "delivered", "read"])
def test_a_status_becomes_a_report_with_the_attempt_key(kind: str) -> None:
    update = body(change([status("wamid.OUT1", kind, key="attempt-1")]))

    assert read_statuses(update, WA_PHONE_ID) == [
        DeliveryReport(message_id="wamid.OUT1", status=kind, at=AT, key="attempt-1")  # type: ignore[arg-type]
    ]


def test_a_played_voice_message_counts_as_read() -> None:
    [report] = read_statuses(body(change([status("wamid.OUT1", "played")])), WA_PHONE_ID)

    assert report.status == "read"


def test_a_failed_status_carries_its_error() -> None:
    update = body(change([status("wamid.OUT1", "failed", code=131026)]))

    [report] = read_statuses(update, WA_PHONE_ID)

    assert (report.status, report.error, report.key) == (
        "failed",
        "whatsapp 131026: Undeliverable",
        None,
    )


def test_an_older_error_without_a_message_is_read_from_its_title() -> None:
    failed = status("wamid.OUT1", "failed")
    failed["errors"] = [{"code": 131047, "title": "Re-engagement message"}]

    [report] = read_statuses(body(change([failed])), WA_PHONE_ID)

    assert report.error == "whatsapp 131047: Re-engagement message"


def test_every_status_of_every_change_is_read_and_other_numbers_are_left_out() -> None:
    update = body(
        change([status("wamid.A", "sent"), status("wamid.B", "delivered")]),
        change([status("wamid.C", "read")], phone_id="someone-else"),
        change([status("wamid.D", "failed", code=131047)]),
    )

    reports = read_statuses(update, WA_PHONE_ID)

    assert [(r.message_id, r.status) for r in reports] == [
        ("wamid.A", "sent"),
        ("wamid.B", "delivered"),
        ("wamid.D", "failed"),
    ]


def test_messages_and_unknown_statuses_yield_nothing() -> None:
    message = {"from": "51987654321", "id": "wamid.IN", "timestamp": "1", "type": "text"}
    inbound = {"value": {"metadata": {"phone_number_id": WA_PHONE_ID}, "messages": [message]}}

    update = body(inbound | {"field": "messages"}, change([status("wamid.E", "deleted")]))

    assert read_statuses(update, WA_PHONE_ID) == []
