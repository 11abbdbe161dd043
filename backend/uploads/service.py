"""Queue an upload for its job, report its progress, and settle it once."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse
from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core import db
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.errors import DomainError, NotFound
from backend.jobs.queue import enqueue
from backend.uploads import repository
from backend.uploads.models import Upload
from backend.users.models import User
from shared.i18n import t
from shared.schemas.enums import Language, Role
from shared.schemas.uploads import UploadRead

PROGRESS_EVERY_SECONDS = 1.0


def in_background(prefer: str | None, size: int) -> bool:
    """Whether an upload goes to a background job: asked for (``Prefer: respond-async``, RFC
    7240) or larger than ``COBRO_INLINE_UPLOAD_BYTES``."""
    asked = prefer is not None and "respond-async" in prefer.lower()
    return asked or size > get_settings().inline_upload_bytes


def accepted(upload: Upload) -> JSONResponse:
    """The 202 answer for a queued upload, pointing at its progress."""
    body = to_read(upload).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/v1/uploads/{upload.id}"})


def queue(
    session: Session,
    actor: Actor,
    user: User,
    *,
    kind: str,
    job: str,
    portfolio_id: uuid.UUID,
    filename: str,
    data: bytes,
    language: str,
    options: dict[str, Any] | None = None,
) -> Upload:
    """Store the file and queue ``job`` for it, in the caller's transaction."""
    upload = Upload(
        kind=kind,
        portfolio_id=portfolio_id,
        created_by_id=user.id,
        filename=filename[-255:],
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        language=Language(language),
        options=options or {},
        content=data,
    )
    session.add(upload)
    session.flush()
    enqueue(session, job, upload_id=str(upload.id))
    audit.record(
        session,
        actor,
        "upload.queued",
        "upload",
        upload.id,
        after=audit.snapshot(upload, exclude=frozenset({"content"})),
    )
    return upload


def get_visible(session: Session, user: User, upload_id: uuid.UUID) -> Upload:
    """Admins see every upload; others the ones they sent (404 otherwise)."""
    upload = repository.get(session, upload_id)
    if upload is None or (user.role != Role.admin and upload.created_by_id != user.id):
        raise NotFound()
    return upload


def to_read(upload: Upload, now: datetime | None = None) -> UploadRead:
    fields = upload.model_dump(exclude={"content"})
    if upload.status == "running" and (live := _LIVE.get(upload.id)) is not None:
        fields["stage"], fields["done"], fields["total"], fields["progress_at"] = live
    read = UploadRead.model_validate(fields)
    started, done = fields["started_at"], fields["done"]
    if started and done:
        end = fields["finished_at"] or fields["progress_at"] or now or utcnow()
        elapsed = max((end - started).total_seconds(), 1e-3)
        read.rate_per_second = round(done / elapsed, 1)
        if fields["total"] and upload.status == "running":
            read.eta_seconds = round(max(fields["total"] - done, 0) / read.rate_per_second)
    return read


@dataclass(frozen=True)
class Started:
    id: uuid.UUID
    kind: str
    portfolio_id: uuid.UUID
    created_by_id: uuid.UUID
    filename: str
    language: str
    options: dict[str, Any]
    content: bytes

    @property
    def actor(self) -> Actor:
        return Actor("user", self.created_by_id)


def start(upload_id: uuid.UUID) -> Started | None:
    """Mark the upload running (its own short transaction); None when it already finished."""
    with session_scope() as session:
        upload = repository.get(session, upload_id, lock=True)
        if upload is None or upload.status in ("succeeded", "failed"):
            return None
        upload.status = "running"
        upload.started_at = upload.started_at or utcnow()
        content = repository.content(session, upload_id) or b""
        return Started(
            upload.id,
            upload.kind,
            upload.portfolio_id,
            upload.created_by_id,
            upload.filename,
            upload.language.value,
            dict(upload.options),
            content,
        )


def finish(session: Session, upload_id: uuid.UUID, result: dict[str, Any]) -> None:
    """In the job's own transaction: the work and "succeeded" commit together."""
    upload = repository.get(session, upload_id, lock=True)
    if upload is None:
        raise NotFound()
    upload.status, upload.result, upload.content = "succeeded", result, None
    upload.finished_at = utcnow()
    if (live := _LIVE.pop(upload_id, None)) is not None:
        upload.stage, upload.done, upload.total, upload.progress_at = live
    if upload.total is not None:
        upload.done = upload.total


def fail(upload_id: uuid.UUID, error: DomainError, language: str) -> None:
    """The file was refused (a domain error): final, with the error a client can show."""
    with session_scope() as session:
        upload = repository.get(session, upload_id, lock=True)
        if upload is None:
            return
        upload.status, upload.finished_at = "failed", utcnow()
        _LIVE.pop(upload_id, None)
        upload.error = {
            "code": error.code,
            "message": t(error.message_key, language, **_message_params(error.params)),
            "details": error.params.get("details", error.params or None),
        }


def _message_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "details"}


# Progress of the uploads this process is running, for SQLite: a job that holds the database's
# only write lock for its transaction cannot also write its progress, and the embedded runner
# shares its process with the API that reads it (``to_read``).
_LIVE: dict[uuid.UUID, tuple[str, int, int | None, datetime]] = {}


class UploadProgress:
    """``Progress`` for a job: writes the stage and counts in short transactions of its own
    (readers see them while the job's work is still uncommitted), at most once a second; on
    SQLite, in this process's memory instead."""

    def __init__(self, upload_id: uuid.UUID) -> None:
        self.upload_id = upload_id
        self._last = 0.0

    def update(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_SECONDS and (total is None or done < total):
            return
        self._last = now
        if db.get_engine().dialect.name == "sqlite":
            _LIVE[self.upload_id] = (stage, done, total, utcnow())
            return
        with session_scope() as session:
            upload = repository.get(session, self.upload_id)
            if upload is not None:
                upload.stage, upload.done, upload.total = stage, done, total
                upload.progress_at = utcnow()
