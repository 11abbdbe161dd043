"""Visit photos: an agent's photo of their visit is stored once (replays and concurrent twins
included), told by its bytes, refused with a code when it is no image we take, read by whoever
sees the account and no one else, audited."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.field import photos
from backend.field.models import Visit, VisitPhoto
from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima


def jpeg(colour: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, format="PNG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(out, format="WEBP")
    return out.getvalue()


# An HEIC file's first box (ISO BMFF ``ftyp`` with the ``heic`` brand), as phones write it.
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def visited(session: Session, client: TestClient) -> tuple[User, User, str, object]:
    """A team whose agent synced one visit; (supervisor, agent, visit client id, account)."""
    supervisor, agent = h.team(session)
    account = h.located_account(session, lima(session), agent, h.north(100))
    visit = h.visit(account, h.north(100))
    assert h.statuses(h.sync(client, agent, [visit])) == [("applied", None)]
    return supervisor, agent, visit["client_id"], account


def upload(
    client: TestClient, who: User, visit_client_id: str, data: bytes, client_id: str = ""
) -> object:
    return client.post(
        "/api/v1/field/photos",
        data={
            "client_id": client_id or f"photo-{uuid.uuid4()}",
            "visit_client_id": visit_client_id,
        },
        files={"file": ("photo.jpg", data, "image/jpeg")},
        headers=b.headers(who),
    )


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(VisitPhoto)).scalar_one()


def test_a_photo_is_stored_once_and_read_back(session: Session, client: TestClient) -> None:
    supervisor, agent, visit_id, account = visited(session, client)
    data = jpeg()

    first = upload(client, agent, visit_id, data, "photo-1")
    again = upload(client, agent, visit_id, data, "photo-1")

    assert first.status_code == 201, first.text
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["content_type"] == "image/jpeg"
    assert first.json()["size_bytes"] == len(data)
    assert first.json()["account_id"] == str(account.id)
    assert count(session) == 1
    photo_id = first.json()["id"]
    for reader in (agent, supervisor):
        got = client.get(f"/api/v1/field/photos/{photo_id}", headers=b.headers(reader))
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["content-type"] == "image/jpeg"
    bundle = client.get(f"/api/v1/field/accounts/{account.id}", headers=b.headers(agent))
    assert bundle.json()["visits"][0]["photo_ids"] == [photo_id]
    events = session.execute(
        select(AuditEvent).where(AuditEvent.action == "visit_photo.stored")
    ).scalars()
    [event] = list(events)
    assert event.entity_id == photo_id
    assert "content" not in (event.after or {})


@pytest.mark.parametrize(
    ("make", "media"),
    [(png, "image/png"), (webp, "image/webp"), (lambda: HEIC, "image/heic")],
)
def test_the_type_comes_from_the_bytes(session: Session, client: TestClient, make, media) -> None:
    _, agent, visit_id, _ = visited(session, client)

    response = upload(client, agent, visit_id, make())  # sent as image/jpeg, whatever it is

    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == media


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"%PDF-1.7 not a photo", 415, "photo_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "photo_type"),
        (b"GIF89a" + b"\x00" * 20, 415, "photo_type"),
        (b"", 422, "photo_empty"),
        (b"\xff\xd8\xff" + b"\x00" * photos.MAX_BYTES, 413, "payload_too_large"),
    ],
)
def test_a_bad_file_is_refused_with_its_code(
    session: Session, client: TestClient, data: bytes, status: int, code: str
) -> None:
    _, agent, visit_id, _ = visited(session, client)

    response = upload(client, agent, visit_id, data)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert count(session) == 0


def test_a_photo_up_to_the_limit_passes_the_body_limit(
    session: Session, client: TestClient
) -> None:
    _, agent, visit_id, _ = visited(session, client)
    data = b"\xff\xd8\xff" + b"\x01" * (photos.MAX_BYTES - 3)

    response = upload(client, agent, visit_id, data)

    assert response.status_code == 201, response.text
    assert response.json()["size_bytes"] == photos.MAX_BYTES


def test_only_the_visiting_agent_uploads_and_only_the_accounts_scope_reads(
    session: Session, client: TestClient
) -> None:
    _, agent, visit_id, _ = visited(session, client)
    other_supervisor, other_agent = h.team(session)
    stored = upload(client, agent, visit_id, jpeg()).json()

    foreign = upload(client, other_agent, visit_id, jpeg())
    unknown = upload(client, agent, "never-synced", jpeg())
    by_supervisor = upload(client, b.user(session, Role.admin), visit_id, jpeg())

    assert (foreign.status_code, foreign.json()["code"]) == (404, "visit_not_found")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "visit_not_found")
    assert by_supervisor.status_code == 403
    for outsider in (other_agent, other_supervisor):
        got = client.get(f"/api/v1/field/photos/{stored['id']}", headers=b.headers(outsider))
        assert got.status_code == 404


def test_a_client_id_reused_for_other_bytes_is_a_conflict(
    session: Session, client: TestClient
) -> None:
    _, agent, visit_id, _ = visited(session, client)
    upload(client, agent, visit_id, jpeg("red"), "photo-x")

    response = upload(client, agent, visit_id, jpeg("blue"), "photo-x")

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_conflict")
    assert count(session) == 1


def test_concurrent_uploads_of_one_photo_store_it_once(committed_engine: Engine) -> None:
    """Three uploads of the same photo at once (the app retried while the first was still
    running): one stores it, the others get it back."""
    with session_scope(committed_engine) as session:
        _, agent = h.team(session)
        account = h.located_account(session, lima(session), agent, h.north(100))
        session.add(
            Visit(
                client_id="visit-1",
                agent_id=agent.id,
                account_id=account.id,
                checked_in_at=datetime.now(UTC),
                outcome="not_home",
            )
        )
    request = photos.PhotoUpload("photo-1", "visit-1", jpeg())
    barrier = threading.Barrier(3)
    created: list[bool] = []
    ids: set[uuid.UUID] = set()

    def push() -> None:
        barrier.wait()
        with session_scope(committed_engine) as session:
            photo, new = photos.store(session, Actor("user", agent.id), agent, request)
            ids.add(photo.id)
        created.append(new)

    threads = [threading.Thread(target=push) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(created) == [False, False, True]
    assert len(ids) == 1
    with session_scope(committed_engine) as session:
        assert count(session) == 1
