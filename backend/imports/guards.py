"""The import batch a path names (``/imports/{batch_id}...``), loaded in the endpoint's unit of
work (``backend.core.guards``); 404 when missing. Batches are the staff's (``Staff`` on the
endpoints): every admin and supervisor sees every batch."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.core.guards import guard
from backend.imports import service
from backend.imports.models import ImportBatch


def _batch(session: Session, batch_id: uuid.UUID) -> ImportBatch:
    return service.get_batch(session, batch_id)


KnownBatch = Annotated[ImportBatch, guard(_batch)]
