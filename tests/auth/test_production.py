"""Production refuses the demo logins of a database seeded in development and hides the docs
unless asked to show them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from backend.app import create_app
from backend.auth import sessions
from backend.core.config import get_settings
from backend.core.migrate import alembic_config, upgrade
from backend.demo.commands import banner
from shared.schemas.enums import Role
from tests import builders as b
from tests.auth.conftest import PASSWORD, Login
from tests.conftest import Database


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COBRO_ENV", "production")
    monkeypatch.setenv("COBRO_SECRET_KEY", "p" * 40)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_demo_logins_are_refused_in_production(
    session: Session, login: Login, checks: list[str], production: None
) -> None:
    demo = b.user(session, Role.admin, is_demo=True)
    real = b.user(session, Role.admin)
    refused = login(demo.email, PASSWORD)
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_credentials")
    assert checks == []  # refused without checking the password
    assert login(real.email, PASSWORD).status_code == 200


def test_demo_tokens_from_before_stop_working_in_production(
    session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = b.user(session, Role.admin, is_demo=True)
    issued = sessions.issue(session, demo)  # while the database was in development
    headers = {"Authorization": f"Bearer {issued.access_token}"}
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    monkeypatch.setenv("COBRO_ENV", "production")  # same secret: the token still verifies
    get_settings.cache_clear()
    monkeypatch.setattr(get_settings(), "principal_cache_seconds", 0)
    try:
        assert client.get("/api/v1/users/me", headers=headers).status_code == 401
        renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": issued.refresh_token})
        assert renewed.status_code == 401
    finally:
        get_settings.cache_clear()


def test_demo_logins_work_in_development(session: Session, login: Login, checks: list[str]) -> None:
    demo = b.user(session, Role.admin, is_demo=True)
    assert login(demo.email, PASSWORD).status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
def test_production_hides_the_docs(production: None, path: str) -> None:
    with TestClient(create_app()) as client:
        assert client.get(path).status_code == 404


def test_production_shows_the_docs_when_asked(
    production: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBRO_API_DOCS", "true")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        assert client.get("/openapi.json").status_code == 200
        docs = client.get("/docs")
        assert docs.status_code == 200
        assert "frame-ancestors 'none'" in docs.headers["Content-Security-Policy"]
        assert "https://cdn.jsdelivr.net" in docs.headers["Content-Security-Policy"]


def test_the_production_banner_names_no_docs_and_no_demo_logins(production: None) -> None:
    shown = banner()
    assert "/docs" not in shown and "demo" not in shown.lower()
    assert "/api/v1" in shown and "/healthz" in shown


def test_the_migration_marks_the_demo_users_already_loaded(database: Database) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    sessions_revision = next(r for r in script.walk_revisions() if r.revision.endswith("_sessions"))
    engine = database.fresh_copy()
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), str(sessions_revision.down_revision))
            boss = uuid.uuid4().hex
            # The agent's supervisor_id refers to the supervisor: the upgrade must alter the
            # table in place (SQLite cannot drop a table other rows refer to).
            for user_id, email, supervisor in (
                (boss, "ana@agencia.pe", None),
                (uuid.uuid4().hex, "agent1@demo.cobro", boss),
            ):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, full_name, password_hash, role, language,"
                        " is_active, supervisor_id, created_at) VALUES (:id, :email, 'x', 'x',"
                        " 'agent', 'es', :yes, :boss, CURRENT_TIMESTAMP)"
                    ),
                    {"id": user_id, "email": email, "yes": True, "boss": supervisor},
                )
        with engine.begin() as conn:
            upgrade(conn)
            flags = dict(conn.execute(text("SELECT email, is_demo FROM users")).all())
        assert flags == {"agent1@demo.cobro": True, "ana@agencia.pe": False}
    finally:
        engine.dispose()
