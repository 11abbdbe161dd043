"""WhatsApp through pywa against the Cloud API stand-in: what arrives, how errors map."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pywa.utils import Version

from backend.outbound.channels.base import OutboundMessage, WhatsAppTemplate
from backend.outbound.channels.whatsapp import WhatsAppSender
from shared.schemas.enums import Channel
from tests.outbound.standins import WA_PHONE_ID, WA_TOKEN, StandIns

TO = "+51987654321"


def sender_for(url: str, *, api_version: str = "", timeout: float = 15.0) -> WhatsAppSender:
    return WhatsAppSender(
        token=WA_TOKEN,
        phone_number_id=WA_PHONE_ID,
        base_url=url,
        api_version=api_version,
        timeout=timeout,
    )


@pytest.fixture
def sender(apis: StandIns) -> Iterator[WhatsAppSender]:
    sender = sender_for(apis.url)
    yield sender
    sender.close()


def message(template: WhatsAppTemplate | None = None) -> OutboundMessage:
    return OutboundMessage(
        key="attempt-1", channel=Channel.whatsapp, to=TO, text="Hola Ana", template=template
    )


def test_a_session_message_is_free_text_tracked_by_the_key(
    sender: WhatsAppSender, apis: StandIns
) -> None:
    result = sender.send(message())

    assert (result.status, result.provider_ref) == ("sent", "wamid.OUT1")
    [call] = apis.whatsapp.received
    assert call.path == f"/v{float(str(Version.GRAPH_API))}/{WA_PHONE_ID}/messages"
    assert call.headers["authorization"] == f"Bearer {WA_TOKEN}"
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": "text",
        "to": TO,
        "biz_opaque_callback_data": "attempt-1",
        "text": {"body": "Hola Ana", "preview_url": False},
    }


def test_a_template_goes_with_its_name_language_and_body_parameters_in_order(
    sender: WhatsAppSender, apis: StandIns
) -> None:
    template = WhatsAppTemplate("recordatorio_pago", "es_MX", ("Ana", "$1,250.00", "15/07"))

    result = sender.send(message(template=template))

    assert result.status == "sent"
    [call] = apis.whatsapp.received
    assert call.body["type"] == "template"
    assert call.body["biz_opaque_callback_data"] == "attempt-1"
    assert call.body["template"] == {
        "name": "recordatorio_pago",
        "language": {"code": "es_MX"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "$1,250.00"},
                    {"type": "text", "text": "15/07"},
                ],
            }
        ],
    }


def test_a_template_without_parameters_sends_no_components(
    sender: WhatsAppSender, apis: StandIns
) -> None:
    sender.send(message(template=WhatsAppTemplate("hola", "en_US")))

    [call] = apis.whatsapp.received
    assert call.body["template"] == {"name": "hola", "language": {"code": "en_US"}}


def test_the_api_version_is_configurable(apis: StandIns) -> None:
    sender = sender_for(apis.url, api_version="23.0")
    try:
        assert sender.send(message()).status == "sent"
    finally:
        sender.close()
    assert apis.whatsapp.received[0].path == f"/v23.0/{WA_PHONE_ID}/messages"


def test_an_unknown_template_language_fails_before_any_call(
    sender: WhatsAppSender, apis: StandIns
) -> None:
    result = sender.send(message(template=WhatsAppTemplate("hola", "xx_YY")))

    assert (result.status, result.retryable) == ("failed", False)
    assert "xx_YY" in (result.error or "")
    assert apis.whatsapp.received == []


@pytest.mark.parametrize(
    ("kind", "retryable", "code"),
    [
        ("rate_limit", True, "130429"),
        ("server_error", True, "131000"),
        ("bad_number", False, "100"),
        ("no_template", False, "132001"),
        ("undeliverable", False, "131026"),
    ],
)
def test_errors_map_to_failed_and_retryable_only_when_worth_retrying(
    sender: WhatsAppSender, apis: StandIns, kind: str, retryable: bool, code: str
) -> None:
    apis.whatsapp.fail_next(kind)

    result = sender.send(message())

    assert (result.status, result.retryable, result.provider_ref) == ("failed", retryable, None)
    assert (result.error or "").startswith(f"whatsapp {code}:")
    assert result.unreachable is (kind == "undeliverable")  # reaches nobody: the debtor's channel
    assert sender.send(message()).status == "sent"  # the next call goes through


def test_a_refused_connection_is_retryable(nowhere: str) -> None:
    sender = sender_for(nowhere)
    try:
        result = sender.send(message())
    finally:
        sender.close()
    assert (result.status, result.retryable) == ("failed", True)


def test_a_timeout_is_retryable(apis: StandIns) -> None:
    sender = sender_for(apis.url, timeout=0.3)
    apis.whatsapp.delay_next(1.0)
    try:
        result = sender.send(message())
    finally:
        sender.close()
    assert (result.status, result.retryable) == ("failed", True)
    assert "Timeout" in (result.error or "")


def test_worker_threads_share_the_sender(sender: WhatsAppSender, apis: StandIns) -> None:
    keys = [f"attempt-{n}" for n in range(24)]

    def send(key: str) -> str | None:
        message = OutboundMessage(key=key, channel=Channel.whatsapp, to=TO, text=key)
        return sender.send(message).provider_ref

    with ThreadPoolExecutor(max_workers=6) as pool:
        refs = list(pool.map(send, keys))

    assert len(set(refs) - {None}) == len(keys)
    received = {
        call.body["biz_opaque_callback_data"]: call.body["text"]["body"]
        for call in apis.whatsapp.received
    }
    assert received == {key: key for key in keys}
