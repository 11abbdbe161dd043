"""Photos agents take at visits: stored once, seen by whoever sees the visit's account.

- A photo is an image the device made: JPEG, PNG, WebP or HEIC/HEIF, told by its first bytes
  (the magic number), never by the name or the declared type; anything else is refused with
  415 ``photo_type``, an empty file with 422 ``photo_empty``, more than :data:`MAX_BYTES` with
  413 ``payload_too_large``.
- The device names the photo (``client_id``, made when it was taken) and its visit (the
  visit's ``client_id``), because offline it knows no server id: the photo is queued behind
  its visit and uploaded after the visit synced. A visit not on the server (yet), or not the
  caller's own, is 404 ``visit_not_found``.
- Stored once per ``client_id``: a replay (a timeout, the app killed mid-upload) or a
  concurrent twin gets the first photo back (``created`` False); the same id for another visit
  or other bytes is 409 ``idempotency_conflict``.
- Only the agent who made the visit uploads; anyone who sees the account reads (404 otherwise).
  Storing is audited (``visit_photo.stored``, with size and hash, never the image); each read
  is noted in the read log of personal data.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.errors import DomainError, IdempotencyConflict, PayloadTooLarge
from backend.field.models import Visit, VisitPhoto
from backend.users.models import User

MAX_BYTES = 8 * 1024 * 1024
# The request body of an upload: the photo and its multipart framing (backend.app LARGE_BODIES).
BODY_BYTES = MAX_BYTES + 64 * 1024
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})


class PhotoType(DomainError):
    status = 415
    code = "photo_type"


class PhotoEmpty(DomainError):
    status = 422
    code = "photo_empty"


class VisitNotFound(DomainError):
    status = 404
    code = "visit_not_found"


def media_type(data: bytes) -> str:
    """The image's media type from its first bytes; ``PhotoType`` when it is none we take."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    raise PhotoType(accepted=["image/jpeg", "image/png", "image/webp", "image/heic"])


def check(data: bytes) -> str:
    if not data:
        raise PhotoEmpty()
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(limit=MAX_BYTES)
    return media_type(data)


@dataclass(frozen=True, slots=True)
class PhotoUpload:
    client_id: str
    visit_client_id: str
    data: bytes
    taken_at: datetime | None = None


def store(
    session: Session, actor: Actor, user: User, upload: PhotoUpload
) -> tuple[VisitPhoto, bool]:
    """The photo stored (True), or the one stored before under its client id (False)."""
    media = check(upload.data)
    digest = hashlib.sha256(upload.data).hexdigest()
    visit = session.execute(
        select(Visit).where(Visit.client_id == upload.visit_client_id)
    ).scalar_one_or_none()
    if visit is None or visit.agent_id != user.id:
        raise VisitNotFound()
    if (existing := by_client_id(session, upload.client_id)) is not None:
        return _same(existing, visit, digest), False
    photo = VisitPhoto(
        client_id=upload.client_id,
        visit_id=visit.id,
        account_id=visit.account_id,
        agent_id=user.id,
        content_type=media,
        size_bytes=len(upload.data),
        sha256=digest,
        content=upload.data,
        taken_at=upload.taken_at,
    )
    try:
        with session.begin_nested():
            session.add(photo)
            session.flush()
    except IntegrityError:
        winner = by_client_id(session, upload.client_id)
        assert winner is not None  # stored by the concurrent twin
        return _same(winner, visit, digest), False
    audit.record(
        session,
        actor,
        "visit_photo.stored",
        "visit_photo",
        photo.id,
        after=audit.snapshot(photo, exclude=frozenset({"content"})),
        account_id=visit.account_id,
    )
    return photo, True


def _same(photo: VisitPhoto, visit: Visit, digest: str) -> VisitPhoto:
    if photo.visit_id != visit.id or photo.sha256 != digest:
        raise IdempotencyConflict()
    return photo


def by_client_id(session: Session, client_id: str) -> VisitPhoto | None:
    query = select(VisitPhoto).where(VisitPhoto.client_id == client_id)
    return session.execute(query).scalar_one_or_none()


def debtor_of(session: Session, photo: VisitPhoto) -> uuid.UUID:
    """Whose personal data the photo is (for the read log)."""
    account = session.get(Account, photo.account_id)
    assert account is not None  # foreign key
    return account.debtor_id
