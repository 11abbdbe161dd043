"""The webhooks app: which channels are served, and its place in the backend."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from bots.app import create_bots_app
from bots.config import BotSettings
from tests.channels.conftest import FakeConversation, bots_app, run, settings

UNSET = {
    "telegram_bot_token": "",
    "telegram_webhook_secret": "",
    "whatsapp_token": "",
    "whatsapp_phone_number_id": "",
    "whatsapp_app_secret": "",
    "whatsapp_verify_token": "",
}


def test_channels_without_their_variables_answer_404() -> None:
    async def scenario() -> None:
        async with bots_app(bot_settings=settings(**UNSET)) as bots:
            for method, channel in [
                ("POST", "telegram"),
                ("GET", "whatsapp"),
                ("POST", "whatsapp"),
            ]:
                response = await bots.http.request(method, f"/webhooks/{channel}")
                assert response.status_code == 404
                assert response.json()["code"] == "channel_not_configured"
                assert response.json()["details"] == {"channel": channel}

    run(scenario())


@pytest.mark.parametrize(
    ("missing", "channel"),
    [
        ("telegram_webhook_secret", "telegram"),
        ("whatsapp_app_secret", "whatsapp"),
        ("whatsapp_verify_token", "whatsapp"),
    ],
)
def test_a_half_configured_channel_stays_off_and_says_why(
    missing: str, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bots.config"):
        app = create_bots_app(FakeConversation().factory, settings(**{missing: ""}))
    assert getattr(app.state.bots, channel) is None
    name = {"telegram": "Telegram", "whatsapp": "WhatsApp"}[channel]
    assert any(r.message.startswith(f"{name} webhook off") for r in caplog.records)


def test_a_telegram_secret_telegram_would_refuse_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        BotSettings(telegram_webhook_secret="has spaces and ünïcode")


def test_the_backend_serves_the_webhooks_beside_the_api() -> None:
    from backend.main import app

    with TestClient(app) as client:
        response = client.post("/webhooks/telegram", json={"update_id": 1})
        assert response.json()["code"] == "channel_not_configured"
        assert client.get("/webhooks/whatsapp").status_code == 404
        paths = client.get("/openapi.json").json()["paths"]
        assert not [path for path in paths if path.startswith("/webhooks")]


@pytest.mark.slow
def test_the_api_only_image_starts_without_the_bots_extra() -> None:
    script = (
        "import sys; sys.modules['telegram'] = None\n"
        "from fastapi.testclient import TestClient\n"
        "from backend.main import app\n"
        "print(TestClient(app).post('/webhooks/telegram').json()['code'])"
    )
    env = os.environ | {"COBRO_SECRET_KEY": "x" * 40}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "route_not_found"
