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


def test_serve_points_the_app_and_its_links_at_its_own_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app's API calls and the links the server hands out (a receipt's QR code, a payment
    page) reach the server on the port it was given."""
    seen: dict[str, str | None] = {}

    def run(*_args: object, **kwargs: object) -> None:
        seen["url"] = os.environ.get("COBRO_API_URL")
        seen["public"] = get_settings().public_url
        seen["port"] = str(kwargs["port"])

    for name in ("COBRO_API_URL", "COBRO_PUBLIC_URL"):  # unset now, and again afterwards
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("COBRO_EMBEDDED_JOBS", "false")
    monkeypatch.setattr("uvicorn.run", run)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["serve", "--port", "8765"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    here = "http://127.0.0.1:8765"
    assert seen == {"url": here, "public": here, "port": "8765"}


def test_a_public_address_given_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a proxy the links carry the public address, not the local port."""
    seen: dict[str, str] = {}
    monkeypatch.setenv("COBRO_PUBLIC_URL", "https://cobro.example")
    monkeypatch.setenv("COBRO_EMBEDDED_JOBS", "false")
    monkeypatch.setattr(
        "uvicorn.run", lambda *_a, **_k: seen.update(public=get_settings().public_url)
    )
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["serve", "--port", "8765"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert seen == {"public": "https://cobro.example"}
