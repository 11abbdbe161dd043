"""Reads of personal data are logged (who saw which debtor, when), without turning reads into
writes: noted in memory, written in batches by a thread of the process (``backend.privacy.reads``).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from backend.core.actors import Actor
from backend.core.clock import utcnow
from backend.privacy import reads
from backend.privacy.models import PersonalDataRead
from backend.privacy.reads import ReadLog
from tests import builders as b
from tests.privacy.conftest import World

API = "/api/v1"


def logged(session: Session) -> list[tuple[uuid.UUID | None, uuid.UUID, str]]:
    reads.LOG.flush(session)
    session.flush()
    rows = session.execute(select(PersonalDataRead).order_by(PersonalDataRead.id)).scalars()
    return [(r.actor_id, r.debtor_id, r.purpose) for r in rows]


def count(engine: Engine) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(PersonalDataRead)).scalar_one()


def test_each_way_of_showing_a_debtor_is_logged_per_debtor(
    client: TestClient, session: Session, world: World
) -> None:
    agent, a = world.agent_a, world.debtor_a
    h = b.headers(agent)
    assert client.get(f"{API}/debtors/{a.id}", headers=h).status_code == 200
    assert client.get(f"{API}/debtors", params={"q": a.id_number}, headers=h).status_code == 200
    assert client.get(f"{API}/debtors", headers=h).status_code == 200
    assert client.get(f"{API}/accounts/{world.account_a.id}", headers=h).status_code == 200
    assert client.get(f"{API}/accounts", headers=h).status_code == 200
    assert client.get(f"{API}/field/accounts/{world.account_a.id}", headers=h).status_code == 200
    # nothing was written by the reads themselves
    assert session.execute(select(func.count()).select_from(PersonalDataRead)).scalar_one() == 0
    assert logged(session) == [
        (agent.id, a.id, "debtor.viewed"),
        (agent.id, a.id, "debtor.searched"),
        (agent.id, a.id, "debtor.listed"),
        (agent.id, a.id, "account.viewed"),
        (agent.id, a.id, "account.listed"),
        (agent.id, a.id, "field.account"),
    ]


def test_a_refused_read_logs_nothing(client: TestClient, session: Session, world: World) -> None:
    h = b.headers(world.agent_c)
    assert client.get(f"{API}/debtors/{world.debtor_a.id}", headers=h).status_code == 404
    assert client.get(f"{API}/debtors", params={"q": "Quispe"}, headers=h).json()["items"] == []
    assert logged(session) == []


def test_staff_in_scope_list_who_read_a_debtor(
    client: TestClient, session: Session, world: World
) -> None:
    for who in (world.agent_a, world.supervisor, world.agent_a):
        client.get(f"{API}/debtors/{world.debtor_a.id}", headers=b.headers(who))
    client.get(f"{API}/debtors/{world.debtor_b.id}", headers=b.headers(world.agent_b))
    logged(session)
    url = f"{API}/debtors/{world.debtor_a.id}/reads"

    page = client.get(url, params={"limit": 2}, headers=b.headers(world.supervisor)).json()
    assert [r["actor_id"] for r in page["items"]] == [
        str(world.agent_a.id),
        str(world.supervisor.id),
    ]
    assert page["items"][0]["purpose"] == "debtor.viewed" and page["next_cursor"]
    rest = client.get(
        url, params={"cursor": page["next_cursor"]}, headers=b.headers(world.admin)
    ).json()
    assert [r["actor_id"] for r in rest["items"]] == [str(world.agent_a.id)]
    mine = client.get(
        url, params={"actor_id": str(world.supervisor.id)}, headers=b.headers(world.admin)
    ).json()
    assert len(mine["items"]) == 1
    assert client.get(url, headers=b.headers(world.agent_a)).status_code == 403
    assert client.get(url, headers=b.headers(world.other_supervisor)).status_code == 404


# --- the writer ------------------------------------------------------------------------------


def test_the_writer_batches_each_second_and_at_shutdown(committed_engine: Engine) -> None:
    log = ReadLog()
    inserts: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO personal_data_reads"):
            inserts.append(statement)

    event.listen(committed_engine, "before_cursor_execute", seen)
    actor = Actor("user", uuid.uuid4())
    log.start(committed_engine, seconds=0.2)
    try:
        log.note(actor, [uuid.uuid4() for _ in range(3)], reads.VIEWED)
        wait_for(lambda: count(committed_engine) == 3)
        assert len(inserts) == 1  # three reads, one statement
    finally:
        log.stop(committed_engine)

    log.start(committed_engine, seconds=60)  # only a full batch or the shutdown writes now
    log.note(actor, [uuid.uuid4() for _ in range(reads.BATCH)], reads.LISTED)
    wait_for(lambda: count(committed_engine) == 3 + reads.BATCH)
    log.note(actor, [uuid.uuid4() for _ in range(7)], reads.LISTED)
    time.sleep(0.3)
    assert count(committed_engine) == 3 + reads.BATCH
    log.stop(committed_engine)
    assert count(committed_engine) == 3 + reads.BATCH + 7
    assert len(inserts) == 3


def test_a_failed_write_keeps_the_reads_for_the_next_turn(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = ReadLog()
    log.note(Actor("user", uuid.uuid4()), [uuid.uuid4(), uuid.uuid4()], reads.VIEWED)
    real = reads.write

    def down(session: Session, rows: list[dict[str, Any]]) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(reads, "write", down)
    with pytest.raises(RuntimeError):
        log.flush_to(committed_engine)
    monkeypatch.setattr(reads, "write", real)
    assert log.flush_to(committed_engine) == 2
    assert count(committed_engine) == 2


def test_beyond_the_limit_the_oldest_reads_are_dropped_and_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reads, "LIMIT", 5)
    log = ReadLog()
    actor = Actor("user", uuid.uuid4())
    first, second = [uuid.uuid4() for _ in range(3)], [uuid.uuid4() for _ in range(3)]
    log.note(actor, first, reads.LISTED)
    log.note(actor, second, reads.LISTED)
    assert log.dropped == 1
    assert [r["debtor_id"] for r in log.take()] == second


def test_reads_noted_by_many_threads_are_written_once_each(committed_engine: Engine) -> None:
    log = ReadLog()
    log.start(committed_engine, seconds=0.05)
    actor = Actor("user", uuid.uuid4())

    def reader() -> None:
        for _ in range(100):
            log.note(actor, [uuid.uuid4(), uuid.uuid4()], reads.LISTED)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.stop(committed_engine)
    with Session(committed_engine) as s:
        ids = s.execute(select(PersonalDataRead.debtor_id)).scalars().all()
    assert len(ids) == len(set(ids)) == 8 * 100 * 2


def wait_for(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE personal_data_reads SET purpose = 'edited'",
        "DELETE FROM personal_data_reads",
    ],
)
def test_the_read_log_is_append_only(session: Session, statement: str) -> None:
    reads.write(session, [_read()])
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert [r.purpose for r in session.execute(select(PersonalDataRead)).scalars()] == [
        reads.VIEWED
    ]


def test_postgres_refuses_truncating_the_read_log(session: Session, db_kind: str) -> None:
    if db_kind != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite has none)")
    reads.write(session, [_read()])
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("TRUNCATE personal_data_reads"))


def _read() -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "at": utcnow(),
        "actor_id": None,
        "actor_kind": "system",
        "debtor_id": uuid.uuid4(),
        "purpose": reads.VIEWED,
    }


def test_each_api_process_starts_its_writer_and_writes_the_rest_at_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from backend.app import create_app

    calls: list[str] = []
    monkeypatch.setattr(reads.LOG, "start", lambda: calls.append("start"))
    monkeypatch.setattr(reads.LOG, "stop", lambda: calls.append("stop"))
    with TestClient(create_app()):
        assert calls == ["start"]
    assert calls == ["start", "stop"]
