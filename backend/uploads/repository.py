"""Queries on uploads (the file content is loaded only by the job that processes it)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import defer
from sqlmodel import Session

from backend.uploads.models import Upload


def get(session: Session, upload_id: uuid.UUID, *, lock: bool = False) -> Upload | None:
    query = select(Upload).where(Upload.id == upload_id).options(defer(Upload.content))
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def content(session: Session, upload_id: uuid.UUID) -> bytes | None:
    return session.execute(select(Upload.content).where(Upload.id == upload_id)).scalar_one()
