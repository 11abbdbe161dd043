"""``cobro serve --port N`` serves a field app that calls that same server, not port 8000."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from backend import cli
from backend.core.config import get_settings


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),  # noqa: S104
        ("::1", 8000, "http://[::1]:8000"),
        ("cobro.local", 80, "http://cobro.local:80"),
    ],
)
def test_the_app_reaches_the_server_it_is_mounted_on(host: str, port: int, url: str) -> None:
    assert cli.local_api_url(host, port) == url


def test_serve_points_the_app_at_its_own_port(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, str | None] = {}

    def run(*_args: object, **kwargs: object) -> None:
        seen["url"] = os.environ.get("COBRO_API_URL")
        seen["port"] = str(kwargs["port"])

    monkeypatch.delenv("COBRO_API_URL", raising=False)
    monkeypatch.setenv("COBRO_EMBEDDED_JOBS", "false")
    monkeypatch.setattr("uvicorn.run", run)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["serve", "--port", "8765"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert seen == {"url": "http://127.0.0.1:8765", "port": "8765"}
