"""Short-lived access tokens, rotating refresh tokens, and revocation by token version."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from backend.audit.models import AuditEvent
from backend.auth import sessions
from backend.auth.errors import SessionExpired
from backend.auth.models import RefreshToken
from backend.cli import app as cli
from backend.conversations.service import ensure_bot_identity
from backend.core.clock import pinned, utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.security import ALGORITHM, decode_access_token
from backend.users import service as users
from backend.users.models import User
from shared.client.bot import BotApi
from shared.schemas.enums import Role
from tests import builders as b
from tests.auth.conftest import PASSWORD, Login

REFRESH_URL = "/api/v1/auth/refresh"
ME = "/api/v1/users/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_login_gives_a_short_access_token_and_a_refresh_token(
    session: Session, login: Login, client: TestClient
) -> None:
    user = b.user(session, Role.agent)
    body = login(user.email, PASSWORD).json()
    settings = get_settings()
    assert body["expires_in"] == settings.token_minutes * 60 == 15 * 60
    assert body["refresh_expires_in"] == settings.refresh_days * 24 * 3600
    claims = decode_access_token(body["access_token"])
    assert (claims["sub"], claims["ver"]) == (str(user.id), 0)
    assert client.get(ME, headers=bearer(body["access_token"])).status_code == 200
    renewed = client.post(REFRESH_URL, json={"refresh_token": body["refresh_token"]})
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != body["refresh_token"]
    assert client.get(ME, headers=bearer(renewed.json()["access_token"])).status_code == 200


def test_a_spent_refresh_token_used_again_ends_the_whole_session(
    session: Session, login: Login, client: TestClient
) -> None:
    user = b.user(session, Role.agent)
    start = utcnow()
    with pinned(start):
        first = login(user.email, PASSWORD).json()["refresh_token"]
        second = client.post(REFRESH_URL, json={"refresh_token": first}).json()["refresh_token"]
    grace = get_settings().refresh_reuse_grace_seconds
    with pinned(start + timedelta(seconds=grace + 1)):  # a copy of the first one, used later
        stolen = client.post(REFRESH_URL, json={"refresh_token": first})
        assert stolen.status_code == 401 and stolen.json()["code"] == "session_expired"
        # The owner's current token went with it: the family is revoked.
        assert client.post(REFRESH_URL, json={"refresh_token": second}).status_code == 401
    live = session.exec(
        select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
    ).one()
    assert live == 0
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.session_reused")).one()
    assert event.entity_id == str(user.id)


def test_a_retry_within_the_grace_gets_a_new_pair_and_the_lost_one_is_revoked(
    session: Session, login: Login, client: TestClient
) -> None:
    user = b.user(session, Role.agent)
    first = login(user.email, PASSWORD).json()["refresh_token"]
    lost = client.post(REFRESH_URL, json={"refresh_token": first}).json()["refresh_token"]
    retried = client.post(REFRESH_URL, json={"refresh_token": first})
    assert retried.status_code == 200
    assert client.post(REFRESH_URL, json={"refresh_token": lost}).status_code == 401
    # Presenting the lost one (someone else had it) ended the session for everyone.
    fresh = retried.json()["refresh_token"]
    assert client.post(REFRESH_URL, json={"refresh_token": fresh}).status_code == 401


@pytest.mark.parametrize(
    ("change", "revokes"),
    [
        ({"password": "a-new-password"}, True),
        ({"is_active": False}, True),
        ({"full_name": "Renamed"}, False),
        ({"language": "en"}, False),
    ],
)
def test_a_password_change_or_deactivation_revokes_every_token(
    session: Session,
    login: Login,
    client: TestClient,
    change: dict[str, object],
    revokes: bool,
) -> None:
    admin = b.user(session, Role.admin)
    user = b.user(session, Role.agent)
    tokens = login(user.email, PASSWORD).json()
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 200  # cached
    patched = client.patch(f"/api/v1/users/{user.id}", json=change, headers=b.headers(admin))
    assert patched.status_code == 200
    me = client.get(ME, headers=bearer(tokens["access_token"]))
    renewed = client.post(REFRESH_URL, json={"refresh_token": tokens["refresh_token"]})
    if revokes:
        assert (me.status_code, me.json()["code"]) == (401, "not_authenticated")
        assert (renewed.status_code, renewed.json()["code"]) == (401, "session_expired")
    else:
        assert (me.status_code, renewed.status_code) == (200, 200)


def test_a_changed_password_logs_in_again(
    session: Session, login: Login, client: TestClient
) -> None:
    admin = b.user(session, Role.admin)
    user = b.user(session, Role.agent)
    old = login(user.email, PASSWORD).json()["access_token"]
    client.patch(f"/api/v1/users/{user.id}", json={"password": PASSWORD}, headers=b.headers(admin))
    new = login(user.email, PASSWORD).json()["access_token"]
    assert decode_access_token(new)["ver"] == decode_access_token(old)["ver"] + 1
    assert client.get(ME, headers=bearer(new)).status_code == 200
    assert client.get(ME, headers=bearer(old)).status_code == 401


def test_logout_ends_the_session(session: Session, login: Login, client: TestClient) -> None:
    user = b.user(session, Role.agent)
    refresh = login(user.email, PASSWORD).json()["refresh_token"]
    assert client.post("/api/v1/auth/logout", json={"refresh_token": refresh}).status_code == 204
    assert client.post(REFRESH_URL, json={"refresh_token": refresh}).status_code == 401
    unknown = client.post("/api/v1/auth/logout", json={"refresh_token": "not-a-token"})
    assert unknown.status_code == 204


def test_a_refresh_token_unused_for_its_lifetime_expires(
    session: Session, login: Login, client: TestClient
) -> None:
    user = b.user(session, Role.agent)
    refresh = login(user.email, PASSWORD).json()["refresh_token"]
    with pinned(utcnow() + timedelta(days=get_settings().refresh_days, seconds=1)):
        assert client.post(REFRESH_URL, json={"refresh_token": refresh}).status_code == 401


@pytest.mark.parametrize("grace", [0, 60])
def test_concurrent_uses_of_one_refresh_token(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, grace: int
) -> None:
    """Eight uses of the same token at once, each in its own transaction: judged one after
    the other. Without grace one wins and the rest end the session; with it each is taken
    for a retry. Either way exactly one usable token, or none, is left."""
    monkeypatch.setattr(get_settings(), "refresh_reuse_grace_seconds", grace)
    with session_scope(committed_engine) as session:
        user = b.user(session, Role.agent)
        presented = sessions.issue(session, user).refresh_token
        user_id = user.id
    barrier = threading.Barrier(8)

    def use(_: int) -> bool:
        barrier.wait()
        try:
            with session_scope(committed_engine) as session:
                sessions.refresh(session, presented)
        except SessionExpired:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        answered = list(pool.map(use, range(8)))
    with session_scope(committed_engine) as session:
        live = session.exec(
            select(func.count())
            .select_from(RefreshToken)
            .where(
                RefreshToken.user_id == user_id,
                RefreshToken.rotated_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
        ).one()
    if grace:
        assert all(answered) and live == 1
    else:
        assert sum(answered) == 1 and live == 0


def test_the_bot_credential_rotates(session: Session, client: TestClient) -> None:
    admin = b.user(session, Role.admin)
    old = ensure_bot_identity(session)
    chat = "/api/v1/bot/telegram/42/state"
    assert client.get(chat, headers=bearer(old)).status_code != 401
    kept = client.post("/api/v1/auth/bot-token", json={"days": 30}, headers=b.headers(admin))
    assert kept.status_code == 200 and kept.json()["refresh_token"] is None
    assert client.get(chat, headers=bearer(old)).status_code != 401  # no rotation asked
    rotated = client.post(
        "/api/v1/auth/bot-token", json={"days": 30, "rotate": True}, headers=b.headers(admin)
    )
    new = rotated.json()["access_token"]
    assert rotated.json()["expires_in"] == 30 * 24 * 3600
    assert client.get(chat, headers=bearer(old)).status_code == 401
    assert client.get(chat, headers=bearer(kept.json()["access_token"])).status_code == 401
    assert client.get(chat, headers=bearer(new)).status_code != 401
    agent = b.user(session, Role.agent)
    refused = client.post("/api/v1/auth/bot-token", json={}, headers=b.headers(agent))
    assert refused.status_code == 403


def test_cobro_bot_token_rotate(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    runner = CliRunner()
    first = runner.invoke(cli, ["bot-token", "--days", "7"])
    second = runner.invoke(cli, ["bot-token", "--rotate"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    old, new = decode_access_token(first.output.strip()), decode_access_token(second.output.strip())
    assert old["exp"] - old["iat"] == 7 * 24 * 3600
    assert new["ver"] == old["ver"] + 1
    with session_scope(committed_engine) as session:
        bot = session.get(User, uuid.UUID(old["sub"]))
        assert bot is not None and bot.token_version == new["ver"]


def test_in_process_bots_renew_their_credential_after_a_rotation(app, session: Session) -> None:
    old = ensure_bot_identity(session)
    minted: list[str] = []

    async def mint() -> str:
        minted.append(ensure_bot_identity(session, days=1))
        return minted[-1]

    async def scenario() -> None:
        api = BotApi.connect(
            "http://cobro.test", token=old, renew=mint, transport=httpx.ASGITransport(app=app)
        )
        try:
            chat = api.chat("telegram", "77")
            await chat.state()
            rotated = session.get(User, uuid.UUID(decode_access_token(old)["sub"]))
            assert rotated is not None
            users.revoke_tokens(session, b.SYSTEM, rotated)  # what --rotate does
            await chat.state()  # refused with the old token, renewed, sent again
            assert len(minted) == 1 and api.client.token == minted[0]
        finally:
            await api.aclose()

    asyncio.run(scenario())


def test_tokens_from_before_token_versions_are_refused(
    session: Session, client: TestClient
) -> None:
    user = b.user(session, Role.agent)
    now = utcnow()
    legacy = jwt.encode(
        {"sub": str(user.id), "role": "agent", "iat": now, "exp": now + timedelta(hours=8)},
        get_settings().secret_key,
        algorithm=ALGORITHM,
    )
    assert client.get(ME, headers=bearer(legacy)).status_code == 401
