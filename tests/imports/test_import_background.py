"""Large imports run as a background job: 202 at once, then the summary or the refusal with
its report, read from GET /uploads/{id} (the embedded runner drives the job)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from backend.app import create_app
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.jobs.local import EmbeddedRunner
from shared.schemas.enums import Role
from tests import builders as b
from tests.imports.helpers import csv_bytes, data_counts, row


@pytest.fixture
def engine(
    committed_engine: Engine, db_kind: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    if db_kind != "sqlite":
        pytest.skip("the embedded runner drives the job here; PostgreSQL workers are tested apart")
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    yield committed_engine
    get_settings.cache_clear()


def _send(client: TestClient, engine: Engine, data: bytes) -> tuple[dict, dict[str, str]]:
    with session_scope(engine) as session:
        portfolio = b.portfolio(session)
        headers = b.headers(b.user(session, Role.admin))
    queued = client.post(
        f"/api/v1/imports?portfolio_id={portfolio.id}",
        headers={**headers, "Prefer": "respond-async"},
        files={"file": ("cartera.csv", data, "text/csv")},
    )
    assert queued.status_code == 202, queued.text
    EmbeddedRunner(engine).run_until_idle()
    upload = client.get(queued.headers["Location"], headers=headers)
    return upload.json(), headers


def test_a_queued_import_ends_with_its_summary(engine: Engine) -> None:
    rows = [row(external_ref=f"TC-{i}", id_number=f"4587{i:04d}") for i in range(12)]
    with TestClient(create_app()) as client:
        upload, _ = _send(client, engine, csv_bytes(rows))
    assert upload["status"] == "succeeded", upload
    assert upload["result"]["summary"]["accounts_created"] == 12
    with session_scope(engine) as session:
        assert data_counts(session)["accounts"] == 12


def test_a_refused_import_fails_with_its_report_and_writes_no_data(engine: Engine) -> None:
    rows = [row(external_ref="TC-1"), row(external_ref="TC-2", principal="mil")]
    with TestClient(create_app()) as client:
        upload, headers = _send(client, engine, csv_bytes(rows))
        assert upload["status"] == "failed"
        assert upload["error"]["code"] == "import_invalid"
        report = upload["error"]["details"]["report"]["csv"]
        assert client.get(report, headers=headers).status_code == 200
    with session_scope(engine) as session:
        assert data_counts(session)["accounts"] == 0
