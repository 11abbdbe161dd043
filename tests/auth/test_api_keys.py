"""API keys for machine clients: made by admins for a user, shown once, acting with that user's
role and scope, and refused once revoked, expired, forged or their user deactivated."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.auth.models import ApiKey
from backend.core.clock import utcnow
from shared.schemas.enums import Role
from tests import builders as b

KEYS = "/api/v1/auth/api-keys"


def _make(client, session: Session, user=None, **extra) -> dict:
    admin = b.user(session, Role.admin)
    user = user or b.user(session, Role.supervisor)
    made = client.post(
        KEYS,
        json={"name": "core bancario", "user_id": str(user.id), **extra},
        headers=b.headers(admin),
    )
    assert made.status_code == 201, made.text
    return {**made.json(), "admin": admin, "user": user}


def _me(client, key: str):
    return client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {key}"})


def test_a_key_acts_as_its_user_and_is_stored_as_a_hash(session: Session, client) -> None:
    made = _make(client, session)
    key = made["key"]
    assert key.startswith("cobro_key_") and made["prefix"] in key

    me = _me(client, key)
    assert me.status_code == 200 and me.json()["id"] == str(made["user"].id)
    row = session.get(ApiKey, uuid.UUID(made["id"]))
    assert row is not None and row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(session.execute(select(AuditEvent.after)).scalars().all())
    listed = client.get(KEYS, headers=b.headers(made["admin"])).json()["items"]
    assert [k["prefix"] for k in listed] == [made["prefix"]] and "key" not in listed[0]


def test_only_admins_make_keys_and_never_for_the_bots(session: Session, client) -> None:
    supervisor = b.user(session, Role.supervisor)
    body = {"name": "x", "user_id": str(supervisor.id)}
    assert client.post(KEYS, json=body, headers=b.headers(supervisor)).status_code == 403
    bot = b.user(session, Role.bot)
    refused = client.post(
        KEYS,
        json={"name": "x", "user_id": str(bot.id)},
        headers=b.headers(b.user(session, Role.admin)),
    )
    assert refused.status_code == 422 and refused.json()["code"] == "api_key_user_refused"


def test_a_revoked_key_stops_at_once(session: Session, client) -> None:
    made = _make(client, session)
    assert _me(client, made["key"]).status_code == 200  # cached as a principal now
    revoked = client.delete(f"{KEYS}/{made['id']}", headers=b.headers(made["admin"]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert _me(client, made["key"]).status_code == 401
    again = client.delete(f"{KEYS}/{made['id']}", headers=b.headers(made["admin"]))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    actions = session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_id == made["id"])
    ).scalars()
    assert sorted(actions) == ["api_key.created", "api_key.revoked"]


def test_forged_expired_and_orphaned_keys_are_refused(session: Session, client) -> None:
    made = _make(client, session)
    key = made["key"]
    assert _me(client, key[:-2] + ("AA" if not key.endswith("AA") else "BB")).status_code == 401
    assert _me(client, "cobro_key_000000000000_" + "x" * 43).status_code == 401

    expired = _make(client, session, days=1)
    row = session.get(ApiKey, uuid.UUID(expired["id"]))
    assert row is not None
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert _me(client, expired["key"]).status_code == 401

    deactivated = _make(client, session)
    patched = client.patch(
        f"/api/v1/users/{deactivated['user'].id}",
        json={"is_active": False},
        headers=b.headers(deactivated["admin"]),
    )
    assert patched.status_code == 200, patched.text
    assert _me(client, deactivated["key"]).status_code == 401
