"""Every request is logged once, by route template, under a request id, and timed."""

from __future__ import annotations

import logging
import os
import re

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from shared.observability.logs import formatter
from shared.schemas.enums import Role
from tests import builders as b
from tests.ops.helpers import access_lines, sample

NATIONAL_ID = "45871236"


@pytest.fixture
def access(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="cobro.access")
    return caplog


def test_a_search_by_national_id_is_logged_once_by_route_without_the_id(
    client: TestClient, session, access: pytest.LogCaptureFixture
) -> None:
    admin = b.user(session, Role.admin)
    portfolio = b.portfolio(session)
    debtor = b.debtor(session, portfolio, id_number=NATIONAL_ID)
    found = client.get("/api/v1/debtors", params={"q": NATIONAL_ID}, headers=b.headers(admin))
    one = client.get(f"/api/v1/debtors/{debtor.id}", headers=b.headers(admin))
    assert found.status_code == one.status_code == 200
    assert [item["id"] for item in found.json()["items"]] == [str(debtor.id)]
    search, read = access_lines(access)
    assert search == {
        "event": "request",
        "method": "GET",
        "route": "/api/v1/debtors",
        "status": 200,
        "duration_ms": search["duration_ms"],
        "request_id": found.headers["X-Request-ID"],
        "level": "info",
        "logger": "cobro.access",
        "timestamp": search["timestamp"],
        "process": os.getpid(),
    }
    assert search["duration_ms"] > 0
    assert read["route"] == "/api/v1/debtors/{debtor_id}"
    assert NATIONAL_ID not in access.text and str(debtor.id) not in access.text


def test_request_ids_are_kept_when_well_formed_and_made_otherwise(
    client: TestClient, access: pytest.LogCaptureFixture
) -> None:
    given = client.get("/livez", headers={"X-Request-ID": "lb-7f3a.2026:01_x"})
    assert given.headers["X-Request-ID"] == "lb-7f3a.2026:01_x"
    made = [
        client.get("/livez", headers=headers).headers["X-Request-ID"]
        for headers in ({}, {"X-Request-ID": "id with spaces"}, {"X-Request-ID": "x" * 129})
    ]
    assert all(re.fullmatch(r"[0-9a-f]{32}", made_id) for made_id in made)
    assert len(set(made)) == 3
    ids = [line["request_id"] for line in access_lines(access)]
    assert ids == ["lb-7f3a.2026:01_x", *made]


def test_refusals_and_unknown_paths_are_logged_without_their_path(
    client: TestClient, access: pytest.LogCaptureFixture
) -> None:
    assert client.get("/api/v1/accounts").status_code == 401
    assert client.get(f"/nowhere/{NATIONAL_ID}").status_code == 404
    assert [(line["route"], line["status"]) for line in access_lines(access)] == [
        ("/api/v1/accounts", 401),
        ("<unmatched>", 404),
    ]
    assert NATIONAL_ID not in access.text


def test_an_unhandled_error_answers_with_its_request_id_and_logs_it(
    access: pytest.LogCaptureFixture,
) -> None:
    """The middleware is outside Starlette's error middleware: the 500 answer carries the id,
    and so does the error's own log line (rendered by the production formatter)."""
    app = create_app()

    @app.get("/boom/{thing}")
    def boom(thing: str) -> None:
        raise RuntimeError("kaput")

    rendered: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            rendered.append(self.format(record))

    keep = Keep()
    keep.setFormatter(formatter(json=True))
    errors = logging.getLogger("cobro.errors")
    errors.addHandler(keep)
    try:
        with TestClient(app, raise_server_exceptions=False) as http:
            answer = http.get("/boom/x", headers={"X-Request-ID": "req-500"})
    finally:
        errors.removeHandler(keep)
    assert answer.status_code == 500 and answer.headers["X-Request-ID"] == "req-500"
    (line,) = access_lines(access)
    assert (line["route"], line["status"], line["request_id"]) == ("/boom/{thing}", 500, "req-500")
    assert any('"request_id": "req-500"' in text and "kaput" in text for text in rendered)


def test_latency_is_observed_by_route_template_and_status_class(client: TestClient) -> None:
    labels = {"method": "GET", "route": "/api/v1/accounts/{account_id}", "status": "4xx"}
    before = sample("cobro_http_request_duration_seconds_count", **labels)
    for _ in range(3):
        client.get("/api/v1/accounts/0d7c1c2e-0000-4000-8000-000000000000")
    assert sample("cobro_http_request_duration_seconds_count", **labels) == before + 3
