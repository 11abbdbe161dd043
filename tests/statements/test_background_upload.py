"""Long statements go to a background job: 202 at once, progress readable, booked in chunks
that each commit, resumed after a crash without booking anything twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from backend.app import create_app
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.jobs.local import EmbeddedRunner
from backend.payments.models import Payment
from backend.statements import service
from backend.statements.models import BankStatement, StatementLine
from shared.schemas.enums import Role
from tests import builders as b
from tests.statements.helpers import Desk, csv_bytes

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def any_engine(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    yield committed_engine
    get_settings.cache_clear()


@pytest.fixture
def desk_engine(any_engine: Engine, db_kind: str) -> Engine:
    if db_kind != "sqlite":
        pytest.skip("the embedded runner drives the job here; PostgreSQL workers are tested apart")
    return any_engine


@pytest.fixture
def client(desk_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def _desk(engine: Engine, accounts: int) -> tuple[Desk, list[str]]:
    with session_scope(engine) as session:
        desk = Desk(session)
        refs = [
            desk.account(f"PE-{2000 + i}", principal=90_000).external_ref for i in range(accounts)
        ]
        session.expunge_all()
    return desk, refs


def _file(refs: list[str]) -> bytes:
    return csv_bytes([("20/01/2025", "10,00", "", f"Abono {ref}") for ref in refs])


def _post(client: TestClient, desk: Desk, data: bytes, **headers: str) -> Any:
    return client.post(
        f"/api/v1/statements?portfolio_id={desk.portfolio.id}",
        headers={**b.headers(desk.supervisor), **headers},
        files={"file": ("extracto.csv", data, "text/csv")},
    )


def _payments(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Payment)).scalar_one()


def test_an_async_upload_answers_at_once_and_shows_progress_then_the_statement(
    client: TestClient, desk_engine: Engine
) -> None:
    desk, refs = _desk(desk_engine, 30)
    queued = _post(client, desk, _file(refs), **ASYNC)
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert (
        body["status"] == "queued" and queued.headers["Location"] == f"/api/v1/uploads/{body['id']}"
    )
    assert _payments(desk_engine) == 0  # nothing booked inside the request

    EmbeddedRunner(desk_engine).run_until_idle()

    done = client.get(f"/api/v1/uploads/{body['id']}", headers=b.headers(desk.supervisor)).json()
    assert (done["status"], done["done"], done["total"]) == ("succeeded", 30, 30)
    assert done["rate_per_second"] > 0
    statement = client.get(
        f"/api/v1/statements/{done['result']['statement_id']}", headers=b.headers(desk.supervisor)
    ).json()["statement"]
    assert (statement["line_count"], statement["totals"]["matched"]["count"]) == (30, 30)
    assert _payments(desk_engine) == 30
    again = _post(client, desk, _file(refs), **ASYNC)  # the same file: the same statement
    assert again.status_code == 200 and again.json()["id"] == statement["id"]


def test_large_files_go_to_the_background_without_asking(
    client: TestClient, desk_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBRO_INLINE_UPLOAD_BYTES", "100")
    get_settings.cache_clear()
    desk, refs = _desk(desk_engine, 5)
    assert _post(client, desk, _file(refs)).status_code == 202


def test_a_refused_file_fails_the_upload_with_the_rows_at_fault_and_writes_nothing(
    client: TestClient, desk_engine: Engine
) -> None:
    desk, _ = _desk(desk_engine, 1)
    bad = csv_bytes([("31/02/2025", "10,00", "", "x"), ("20/01/2025", "diez", "", "y")])
    upload_id = _post(client, desk, bad, **ASYNC).json()["id"]
    EmbeddedRunner(desk_engine).run_until_idle()
    failed = client.get(
        f"/api/v1/uploads/{upload_id}",
        headers={**b.headers(desk.supervisor), "Accept-Language": "es"},
    ).json()
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "statement_invalid"
    assert {error["row"] for error in failed["error"]["details"]["errors"]} == {2, 3}
    with session_scope(desk_engine) as session:
        assert session.execute(select(func.count()).select_from(BankStatement)).scalar_one() == 0


def test_only_the_uploader_and_admins_see_an_upload(
    client: TestClient, desk_engine: Engine
) -> None:
    desk, refs = _desk(desk_engine, 2)
    upload_id = _post(client, desk, _file(refs), **ASYNC).json()["id"]
    with session_scope(desk_engine) as session:
        other = b.user(session, Role.supervisor)
        admin = b.user(session, Role.admin)
    url = f"/api/v1/uploads/{upload_id}"
    assert client.get(url, headers=b.headers(other)).status_code == 404
    assert client.get(url, headers=b.headers(admin)).status_code == 200


def test_a_crash_between_chunks_resumes_without_booking_twice(any_engine: Engine) -> None:
    desk_engine = any_engine
    desk, refs = _desk(desk_engine, 25)
    data = _file(refs)

    class Crash(Exception):
        pass

    class CrashAfterFirstChunk:
        def update(self, stage: str, done: int, total: int | None) -> None:
            if 0 < done < (total or 0):
                raise Crash

    actor = b.SYSTEM
    with pytest.raises(Crash):
        service.upload_in_chunks(
            actor, desk.portfolio.id, data, "x.csv", progress=CrashAfterFirstChunk(), chunk_lines=10
        )
    assert _payments(desk_engine) == 10  # the first chunk committed, nothing else
    statement_id = service.upload_in_chunks(actor, desk.portfolio.id, data, "x.csv", chunk_lines=10)
    assert _payments(desk_engine) == 25
    with session_scope(desk_engine) as session:
        lines = session.execute(
            select(func.count()).where(StatementLine.statement_id == statement_id)
        ).scalar_one()
        statement = session.get(BankStatement, statement_id)
        assert statement is not None
        assert (lines, statement.line_count, statement.matched_count) == (25, 25, 25)
