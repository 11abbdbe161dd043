"""Test databases: every database test runs on SQLite and on PostgreSQL.

Each database is built once per run by the Alembic migrations. Each test runs inside a
transaction that is rolled back at the end (the code under test commits savepoints only), so
tests are isolated and leave nothing behind. Tests that need real commits (concurrency) use
``committed_engine``: a fresh copy of the migrated database of their own.

PostgreSQL: COBRO_TEST_PG_URL (default postgresql+psycopg://root@127.0.0.1:5432/test). When it is
unreachable those tests skip, except with CI=true, where that fails the run.
"""

from __future__ import annotations

import os

os.environ.setdefault("COBRO_SECRET_KEY", "test-secret-key-that-is-long-enough-for-hs256")
# Personal data at rest (backend.core.crypto): fixed keys, so production-mode tests start too.
os.environ.setdefault("COBRO_DATA_KEYS", "1:" + "dGVzdC1kYXRhLWtleS1vZi10aGlydHktdHdvLWJ5dGU=")
os.environ.setdefault("COBRO_INDEX_KEY", "dGVzdC1pbmRleC1rZXktb2YtdGhpcnR5LXR3by1ieXQ=")
os.environ.setdefault("COBRO_ENV", "test")
# Reads of personal data wait in memory until a test writes them (backend.privacy.reads).
os.environ.setdefault("COBRO_READ_LOG_SECONDS", "0")
os.environ.setdefault("COBRO_FIELD_TEAM_PLAN_SECONDS", "1")  # the team plan searches this long

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from backend.core.config import get_settings
from backend.core.db import get_session, make_engine
from backend.core.migrate import upgrade

PG_URL = os.environ.get("COBRO_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"


class Database:
    """A migrated template database, and fresh copies of it for committing tests."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.tmp = tmp
        self.copies: list[str] = []
        if kind == "sqlite":
            self.template = tmp / "template.db"
            self.url = f"sqlite:///{self.template}"
        else:
            self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            self.name = f"cobro_test_{RUN_ID}"
            self._create(self.name)
            self.url = make_url(PG_URL).set(database=self.name).render_as_string(False)
        self.engine = (
            make_engine(self.url, poolclass=None) if kind == "sqlite" else make_engine(self.url)
        )
        with self.engine.begin() as conn:
            upgrade(conn)

    def _create(self, name: str, template: str | None = None) -> None:
        with self.admin.connect() as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))

    def fresh_copy(self) -> Engine:
        """A committed-writes database of its own, migrated, empty."""
        if self.kind == "sqlite":
            path = self.tmp / f"copy_{uuid.uuid4().hex}.db"
            with self.engine.connect() as conn:  # fold the WAL into the file before copying
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy(self.template, path)
            return make_engine(f"sqlite:///{path}")
        name = f"cobro_test_{RUN_ID}_{uuid.uuid4().hex[:8]}"
        self.engine.dispose()
        self._create(name, template=self.name)
        self.copies.append(name)
        return make_engine(make_url(PG_URL).set(database=name).render_as_string(False))

    def close(self) -> None:
        self.engine.dispose()
        if self.kind == "postgresql":
            with self.admin.connect() as conn:
                for name in [*self.copies, self.name]:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()


def _postgres_available() -> bool:
    try:
        with create_engine(PG_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    kind = request.param
    if kind == "postgresql" and not _postgres_available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {PG_URL}")
        pytest.skip("PostgreSQL unreachable")
    db = Database(kind, tmp_path_factory.mktemp(f"db_{kind}"))
    yield db
    db.close()


@pytest.fixture
def db_kind(database: Database) -> str:
    return database.kind


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session inside a transaction rolled back after the test."""
    connection = database.engine.connect()
    outer = connection.begin()
    db_session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield db_session
    finally:
        db_session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def committed_engine(database: Database) -> Iterator[Engine]:
    engine = database.fresh_copy()
    yield engine
    engine.dispose()


@pytest.fixture
def app(session: Session):
    from backend.main import app as asgi_app

    def override() -> Iterator[Session]:
        # What the test built so far stays (released into the outer transaction); the request's
        # unit of work then commits or rolls back only its own writes, as in production.
        session.commit()
        yield session

    asgi_app.dependency_overrides[get_session] = override
    yield asgi_app
    asgi_app.dependency_overrides.clear()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def builtin_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The embedded payment provider (our own page with a sandbox), whatever the env says."""
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    monkeypatch.setenv("COBRO_PAYMENT_PROVIDER", "builtin")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
