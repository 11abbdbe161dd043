"""Progress of a running upload is readable while the job's own work is uncommitted."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.uploads import repository, service
from shared.schemas.enums import Role
from tests import builders as b


def test_progress_is_seen_by_readers_while_the_job_runs(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    monkeypatch.setattr("backend.uploads.service.enqueue", lambda *a, **kw: 1)
    with session_scope(committed_engine) as session:
        user = b.user(session, Role.supervisor)
        upload = service.queue(
            session,
            Actor("user", user.id),
            user,
            kind="statement",
            job="statements.process_upload",
            portfolio_id=b.portfolio(session).id,
            filename="x.csv",
            data=b"data",
            language="es",
        )
    started = service.start(upload.id)
    assert started is not None and started.content == b"data"
    progress = service.UploadProgress(upload.id)
    with session_scope(committed_engine) as job:  # the job's own work, still uncommitted
        b.creditor(job)  # on SQLite this transaction now holds the only write lock
        progress.update("booking", 4, 10)
        progress.update("booking", 5, 10)  # within the same second: not written
        with session_scope(committed_engine, write=False) as reader:
            row = repository.get(reader, upload.id)
            assert row is not None
            read = service.to_read(row)
    assert (read.status, read.stage, read.done, read.total) == ("running", "booking", 4, 10)
    assert service.start(upload.id) is not None  # a retried job starts again while running
    with session_scope(committed_engine) as session:
        service.finish(session, upload.id, {"statement_id": "s"})
    assert service.start(upload.id) is None  # finished: a late retry does nothing
    with session_scope(committed_engine) as session:
        row = repository.get(session, upload.id)
        assert row is not None
        assert (row.status, repository.content(session, upload.id)) == ("succeeded", None)
