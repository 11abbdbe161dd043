from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from backend.audit import repository
from backend.auth.deps import Admin, SessionDep
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from shared.schemas.audit import AuditEventRead
from shared.schemas.common import Page

router = DomainRouter(prefix="/audit-events", tags=["audit"])


@router.get("", response_model=Page[AuditEventRead])
def list_events(
    session: SessionDep,
    _: Admin,
    paging: Annotated[PageParams, Depends(page_params)],
    entity_type: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: uuid.UUID | None = None,
) -> object:
    rows = repository.page(
        session,
        after=paging.cursor,
        limit=paging.limit,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=actor_id,
    )
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))
