"""Liveness apart from readiness, and who may read /metrics."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session

from backend.core import migrate
from backend.core.config import get_settings
from backend.core.db import get_session
from shared.observability.metrics import CONTENT_TYPE
from shared.observability.probes import ProbeServer
from shared.schemas.enums import Role
from tests import builders as b

SCRAPE = "scrape-token-for-tests"


@pytest.fixture
def database_away(app) -> Iterator[None]:
    """Requests get a session on a database nobody listens to."""
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")

    def away() -> Iterator[Session]:
        yield Session(engine)

    app.dependency_overrides[get_session] = away
    yield
    engine.dispose()


@pytest.fixture
def scrape_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COBRO_METRICS_TOKEN", SCRAPE)
    get_settings.cache_clear()
    yield SCRAPE
    get_settings.cache_clear()


def test_ready_at_the_migration_head_and_alive_without_asking_the_database(
    client: TestClient,
) -> None:
    for path in ("/livez", "/readyz", "/healthz"):
        answer = client.get(path)
        assert (answer.status_code, answer.json()) == (200, {"status": "ok"}), path


def test_not_ready_while_migrations_are_pending(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert migrate.head_revisions()  # the code's own head, found from its scripts
    monkeypatch.setattr("backend.ops.endpoints.head_revisions", lambda: frozenset({"0099_x"}))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["code"] == "migrations_pending"
    assert answer.json()["details"]["code"] == ["0099_x"]
    assert client.get("/livez").status_code == client.get("/healthz").status_code == 200


def test_a_database_away_is_unready_but_alive(client: TestClient, database_away: None) -> None:
    assert client.get("/livez").status_code == 200
    for path in ("/readyz", "/healthz"):
        answer = client.get(path)
        assert answer.status_code == 503 and answer.json()["code"] == "database_unreachable"


def test_metrics_answer_the_scrape_token_and_admins_only(
    client: TestClient, session, scrape_token: str
) -> None:
    admin, agent = b.user(session, Role.admin), b.user(session, Role.agent)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers=b.headers(agent)).status_code == 403
    for headers in (b.headers(admin), {"Authorization": f"Bearer {scrape_token}"}):
        answer = client.get("/metrics", headers=headers)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == CONTENT_TYPE
        assert 'cobro_jobs_waiting{queue="default"}' in answer.text
        assert "cobro_http_request_duration_seconds_bucket" in answer.text


def test_without_a_scrape_token_only_admins_read_metrics(client: TestClient, session) -> None:
    assert not get_settings().metrics_token
    assert client.get("/metrics", headers={"Authorization": "Bearer"}).status_code == 401
    admin = b.user(session, Role.admin)
    assert client.get("/metrics", headers=b.headers(admin)).status_code == 200


def test_the_probe_server_of_a_worker() -> None:
    alive = [True]
    probes = ProbeServer("127.0.0.1", 0, alive=lambda: alive[0], scrape_token=SCRAPE).start()
    base = f"http://127.0.0.1:{probes.port}"
    try:
        assert httpx.get(f"{base}/livez").json() == {"status": "ok"}
        alive[0] = False
        assert httpx.get(f"{base}/livez").status_code == 503
        assert httpx.get(f"{base}/metrics").status_code == 403
        bad = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 403
        good = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {SCRAPE}"})
        assert good.status_code == 200 and "cobro_jobs_total" in good.text
        assert httpx.get(f"{base}/other").status_code == 404
    finally:
        probes.stop()


def test_the_probe_server_refuses_metrics_when_no_token_is_set() -> None:
    probes = ProbeServer("127.0.0.1", 0, alive=lambda: True, scrape_token="").start()
    try:
        url = f"http://127.0.0.1:{probes.port}/metrics"
        for given in ("", "Bearer"):  # an empty configured token matches nothing
            assert httpx.get(url, headers={"Authorization": given}).status_code == 403
    finally:
        probes.stop()
