"""WhatsApp's 24-hour customer service window: free-form inside, templates only outside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bots.core.messages import Outgoing, Reply
from bots.whatsapp.sender import OutsideServiceWindow
from bots.whatsapp.window import ServiceWindow
from tests.channels.conftest import WA_USER, bots_app, run

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
REMINDER = Reply([Outgoing("Recuerda tu cuota de mañana.")])


def test_the_window_is_24_hours_from_the_latest_message() -> None:
    window = ServiceWindow(clock=lambda: NOW)
    assert not window.is_open(WA_USER)  # never wrote
    window.record_inbound(WA_USER, NOW - timedelta(hours=23, minutes=59))
    assert window.is_open(WA_USER)
    window.record_inbound(WA_USER, NOW - timedelta(hours=30))  # an older update, late
    assert window.last_inbound(WA_USER) == NOW - timedelta(hours=23, minutes=59)
    window.record_inbound("other", NOW - timedelta(hours=24))
    assert not window.is_open("other")


def test_the_window_forgets_the_oldest_people_first() -> None:
    window = ServiceWindow(clock=lambda: NOW, capacity=2)
    for user in ("a", "b", "c"):
        window.record_inbound(user, NOW)
    assert [window.is_open(user) for user in ("a", "b", "c")] == [False, True, True]


def test_free_form_outside_the_window_is_refused_and_templates_go_out() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            sender = bots.app.state.bots.whatsapp.sender
            with pytest.raises(OutsideServiceWindow):
                await sender.send_reply(WA_USER, REMINDER)
            sender.window.record_inbound(WA_USER, datetime.now(UTC) - timedelta(hours=25))
            with pytest.raises(OutsideServiceWindow):
                await sender.send_reply(WA_USER, REMINDER)
            assert bots.platforms.calls == []

            wamid = await sender.send_template(
                WA_USER, "recordatorio_cuota", "es", body_params=["Ana", "S/\xa0125.00"]
            )
            [sent] = bots.platforms.calls
            assert wamid == "wamid.OUT1"
            assert sent.body["type"] == "template"
            assert sent.body["to"] == WA_USER
            assert sent.body["template"] == {
                "name": "recordatorio_cuota",
                "language": {"code": "es"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Ana"},
                            {"type": "text", "text": "S/\xa0125.00"},
                        ],
                    }
                ],
            }

            sender.window.record_inbound(WA_USER, datetime.now(UTC) - timedelta(hours=1))
            assert await sender.send_reply(WA_USER, REMINDER) == ["wamid.OUT2"]
            assert bots.platforms.calls[-1].body["text"] == {
                "body": "Recuerda tu cuota de mañana.",
                "preview_url": False,
            }

    run(scenario())
