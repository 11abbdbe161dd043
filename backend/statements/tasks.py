"""The background job of a statement upload (see ``backend.uploads``)."""

from __future__ import annotations

import uuid

from backend.core.db import session_scope
from backend.core.errors import DomainError
from backend.jobs.registry import job
from backend.statements import service
from backend.uploads import service as uploads

JOB = "statements.process_upload"


@job(JOB, max_attempts=3)
def process_upload(upload_id: str) -> None:
    started = uploads.start(uuid.UUID(upload_id))
    if started is None:  # finished by an earlier run
        return
    try:
        statement_id = service.upload_in_chunks(
            started.actor,
            started.portfolio_id,
            started.content,
            started.filename,
            lang=started.language,
            progress=uploads.UploadProgress(started.id),
        )
    except DomainError as error:  # the file itself was refused: a retry would fail the same
        uploads.fail(started.id, error, started.language)
        return
    with session_scope() as session:
        uploads.finish(session, started.id, {"statement_id": str(statement_id)})
