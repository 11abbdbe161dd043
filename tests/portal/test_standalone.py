"""``cobro bots`` serves the portal too when ``COBRO_PORTAL_SECRET`` is set (over HTTP to
``COBRO_API_URL``); a portal that cannot reach the API says so, politely, with a 503."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bots.config import BotSettings
from bots.server import create_app

SECRET = "portal-secret-0123456789-abcdefghij"


def served(**env: str) -> TestClient:
    settings = BotSettings(**{"COBRO_API_URL": "http://127.0.0.1:9", **env})  # nobody there
    return TestClient(create_app(settings))


def test_no_portal_without_its_secret() -> None:
    with served(COBRO_BOT_TOKEN="t") as client:
        assert client.get("/portal/").status_code == 404


def test_without_the_bot_token_the_portal_is_unavailable() -> None:
    with served(COBRO_PORTAL_SECRET=SECRET) as client:
        answer = client.get("/portal/", headers={"Accept-Language": "en"})
        assert answer.status_code == 503 and "The service is unavailable" in answer.text


def test_an_unreachable_api_is_a_page_that_says_so() -> None:
    with served(COBRO_PORTAL_SECRET=SECRET, COBRO_BOT_TOKEN="t") as client:
        answer = client.get("/portal/", headers={"Accept-Language": "es-PE"})
        assert answer.status_code == 503
        assert "El servicio no está disponible" in answer.text
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert client.get("/portal/static/portal.css").status_code == 200


def test_a_short_portal_secret_is_refused() -> None:
    with pytest.raises(ValidationError):
        BotSettings(COBRO_PORTAL_SECRET="short")
