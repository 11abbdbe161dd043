"""The import batch a path names (``/imports/{batch_id}...``), loaded and checked in the
endpoint's unit of work (``backend.core.guards``): admins see every batch, a supervisor the
ones they imported (a batch's report holds the values of their file's rows); 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.imports import service
from backend.imports.models import ImportBatch


def _visible_batch(session: Session, user: CurrentUser, batch_id: uuid.UUID) -> ImportBatch:
    return service.get_visible_batch(session, user, batch_id)


VisibleBatch = Annotated[ImportBatch, guard(_visible_batch)]
