"""Probes and metrics, outside ``/api/v1``.

- ``/livez``: the process answers (no database): restart it when this fails.
- ``/readyz``: the database answers and its schema is at the code's migration head: send it
  traffic only then (503 ``database_unreachable`` or ``migrations_pending`` otherwise).
- ``/healthz``: the database answers (kept for existing checks; ``/readyz`` says more).
- ``/metrics``: Prometheus text, to the scrape token (``COBRO_METRICS_TOKEN``) or an admin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.auth.deps import SessionDep, current_principal
from backend.core.config import get_settings
from backend.core.errors import Forbidden
from backend.core.migrate import current_revisions, head_revisions
from backend.core.routing import DomainRouter, run_unit
from backend.jobs import registry
from backend.jobs.metrics import QueueCollector
from shared.observability.metrics import CONTENT_TYPE, exposition, scrape_allowed
from shared.schemas.common import ErrorBody
from shared.schemas.enums import Role

router = DomainRouter(tags=["health"])

_UNREACHABLE = {"code": "database_unreachable", "message": "Database unreachable"}


@router.get("/livez")
async def livez() -> JSONResponse:
    """200 while the process answers; touches no database."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz", responses={503: {"model": ErrorBody}})
def readyz(session: SessionDep) -> JSONResponse:
    """200 when the database answers at the code's migration head; 503 otherwise."""
    try:
        at = current_revisions(session.connection())
    except SQLAlchemyError:
        return JSONResponse(_UNREACHABLE, status_code=503)
    if at != head_revisions():
        body = {
            "code": "migrations_pending",
            "message": "The database schema is not at the code's revision (run cobro migrate)",
            "details": {"database": sorted(at), "code": sorted(head_revisions())},
        }
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/healthz", responses={503: {"model": ErrorBody}})
def healthz(session: SessionDep) -> JSONResponse:
    """200 when the database answers."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(_UNREACHABLE, status_code=503)
    return JSONResponse({"status": "ok"})


async def _may_scrape(
    session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """The scrape token, or else an admin's bearer token (401 without a valid token, 403 for
    any other role)."""
    if scrape_allowed(authorization, get_settings().metrics_token):
        return
    scheme, _, token = (authorization or "").partition(" ")
    principal = await current_principal(session, token if scheme.lower() == "bearer" else None)
    if principal.role != Role.admin:
        raise Forbidden()


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(_may_scrape)])
async def metrics(session: SessionDep) -> Response:
    """This server's metrics (every process of ``cobro serve --workers N``) and the job queue
    as the database holds it now."""
    queues = sorted({job.queue for job in registry.load().values()})
    body = await run_unit(session, lambda: exposition(QueueCollector(session, queues)), write=False)
    return Response(body, media_type=CONTENT_TYPE)
