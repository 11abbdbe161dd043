"""The chat webhooks and the field app as services of their own: their probes and metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bots.config import BotSettings
from bots.server import create_app
from tests.channels.conftest import TG_SECRET, FakePlatforms, settings, tg_message

TOKEN = "bots-scrape-token"


def bots(**overrides: str) -> TestClient:
    values = {"api_url": "http://127.0.0.1:9", "metrics_token": TOKEN, "bot_token": "t"}
    chosen: BotSettings = settings(**(values | overrides))
    return TestClient(create_app(chosen, transport=FakePlatforms()))


def test_bots_are_alive_but_not_ready_without_their_token_or_the_api() -> None:
    with bots(bot_token="") as http:
        assert http.get("/livez").json() == {"status": "ok"}
        assert http.get("/readyz").json()["code"] == "bot_token_missing"
    with bots() as http:  # nothing listens on port 9
        answer = http.get("/readyz")
        assert answer.status_code == 503 and answer.json()["code"] == "api_unreachable"


def test_bots_metrics_answer_the_scrape_token_only() -> None:
    with bots() as http:
        assert http.get("/metrics").status_code == 403
        assert http.get("/metrics", headers={"Authorization": "Bearer no"}).status_code == 403
        answer = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200 and "cobro_webhooks_total" in answer.text
        assert answer.headers["X-Request-ID"]
    with bots(metrics_token="") as http:
        assert http.get("/metrics", headers={"Authorization": "Bearer"}).status_code == 403


def test_an_update_without_a_bot_token_fails_to_be_delivered_again() -> None:
    with bots(bot_token="") as http:
        answer = http.post(
            "/webhooks/telegram",
            json=tg_message(1, "hola"),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
    assert answer.status_code == 503 and answer.headers["retry-after"]


def test_the_field_app_on_its_own() -> None:
    pytest.importorskip("flet_web")
    from mobile.web import create_server

    with TestClient(create_server()) as http:
        assert http.get("/livez").json() == {"status": "ok"}
        root = http.get("/", follow_redirects=False)
        assert root.status_code == 307 and root.headers["location"] == "/app/"
        page = http.get("/app/")
        assert page.status_code == 200 and "flutter" in page.text.lower()
