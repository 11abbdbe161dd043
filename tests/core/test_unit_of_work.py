"""The request's unit of work: one thread, one commit, retried whole, 503 when the database is
away, and never a connection held while waiting for a thread."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from backend.app import create_app
from backend.core.config import get_settings
from backend.core.db import get_session, make_engine, session_scope, unit_of_work
from backend.core.security import create_access_token
from backend.creditors.models import Creditor
from backend.ledger.models import LedgerEntry
from shared.schemas.enums import Role
from tests import builders as b
from tests.live import serve
from tests.plans.helpers import lima, today


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def test_a_unit_that_meets_a_locked_database_runs_again_as_a_whole(session: Session) -> None:
    attempts: list[int] = []

    def work() -> str:
        attempts.append(1)
        b.creditor(session, name=f"Attempt {len(attempts)}")
        if len(attempts) == 1:
            raise _locked()
        return "done"

    assert unit_of_work(session, work) == "done"
    names = session.execute(select(Creditor.name).where(Creditor.name.like("Attempt %"))).all()
    assert [name for (name,) in names] == ["Attempt 2"]  # the first run left nothing behind


def test_other_errors_roll_back_and_are_not_retried(session: Session) -> None:
    attempts: list[int] = []

    def work() -> None:
        attempts.append(1)
        b.creditor(session, name="Half written")
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        unit_of_work(session, work)
    assert attempts == [1]
    found = session.execute(select(Creditor).where(Creditor.name == "Half written")).first()
    assert found is None


def test_a_database_outage_answers_503_not_500() -> None:
    dead = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_timeout=1)
    app = create_app()

    def unreachable() -> Iterator[Session]:
        with Session(dead) as session:
            yield session

    app.dependency_overrides[get_session] = unreachable
    token = create_access_token(uuid.uuid4(), Role.admin.value, version=0)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert response.headers["Retry-After"]
    dead.dispose()


@pytest.mark.slow
def test_requests_never_hold_a_connection_while_waiting_for_a_thread(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two request threads and two connections serve forty writers: a request that kept its
    connection while queueing for a thread would starve the others into pool timeouts."""
    small = make_engine(
        committed_engine.url.render_as_string(False), pool_size=2, max_overflow=0, pool_timeout=5
    )
    monkeypatch.setattr("backend.core.db.get_engine", lambda: small)
    monkeypatch.setenv("COBRO_WORKER_THREADS", "2")
    get_settings.cache_clear()
    with session_scope(small) as session:
        admin = b.user(session, Role.admin)
        account = b.account(session, lima(session), principal=1_000_000)
    headers = b.headers(admin)
    answers: list[int] = []
    writers = 40
    barrier = threading.Barrier(writers)

    with serve(create_app()) as base, httpx.Client(base_url=base, timeout=120) as http:

        def post(i: int) -> None:
            body = {
                "kind": "payment",
                "amount": "1.00",
                "currency": "PEN",
                "effective_date": today().isoformat(),
                "idempotency_key": f"k-{i}",
            }
            barrier.wait(timeout=30)
            url = f"/api/v1/accounts/{account.id}/ledger"
            answers.append(http.post(url, json=body, headers=headers).status_code)

        with ThreadPoolExecutor(max_workers=writers) as pool:
            list(pool.map(post, range(writers)))
    get_settings.cache_clear()
    assert sorted(set(answers)) == [201]
    with session_scope(small) as session:
        count = select(func.count()).where(LedgerEntry.account_id == account.id)
        assert session.execute(count).scalar_one() == writers + 1  # and the opening charge
    small.dispose()


def test_every_route_that_takes_the_session_commits_on_its_own_thread() -> None:
    """A route outside DomainRouter would never commit: its writes would vanish silently
    (tests share one session, so only this check sees it)."""
    from backend.core.routing import UnitOfWorkRoute, takes_session
    from tests.core.test_guards import api_routes

    routes = api_routes()
    loose = [
        f"{sorted(route.methods)} {path}"
        for path, route in routes
        if takes_session(route.endpoint) and not isinstance(route, UnitOfWorkRoute)
    ]
    assert loose == []
    assert sum(isinstance(route, UnitOfWorkRoute) for _, route in routes) >= 80
