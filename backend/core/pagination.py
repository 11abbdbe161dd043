"""Keyset pagination over time-ordered UUID primary keys: stable under inserts, O(limit)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlmodel import Session

from backend.core.errors import ValidationFailed


class PageParams(BaseModel):
    cursor: uuid.UUID | None = None
    limit: int = 50


def page_params(
    cursor: Annotated[
        str | None, Query(max_length=64, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PageParams:
    if not cursor:  # absent, or sent empty by clients that serialise None as ''
        return PageParams(limit=limit)
    try:
        return PageParams(cursor=uuid.UUID(cursor), limit=limit)
    except ValueError:
        raise ValidationFailed("error.invalid_cursor") from None


async def page_query(
    cursor: Annotated[
        str | None, Query(max_length=64, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PageParams:
    """``page_params`` as an asynchronous dependency: parsed on the event loop, without the
    hop to a worker thread FastAPI makes for a synchronous one."""
    return page_params(cursor, limit)


def next_cursor(rows: list[Any], limit: int, key: Any = lambda row: row.id) -> str | None:
    """Callers fetch ``limit + 1`` rows; a surplus row means there is a next page."""
    if len(rows) <= limit:
        return None
    return str(key(rows[limit - 1]))


def keyset(
    session: Session,
    query: Select[Any],
    key: Any,
    after: Any | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> list[Any]:
    """The one keyset paginator: ``query`` (its filters) ordered by the unique ``key`` column,
    the rows after ``after`` (the previous page's last key), ``limit + 1`` of them so that
    ``next_cursor`` can tell whether there is a next page. Single-entity queries give their
    entities, others their rows."""
    if after is not None:
        query = query.where(key < after if newest_first else key > after)
    query = query.order_by(key.desc() if newest_first else key).limit(limit + 1)
    result = session.execute(query)
    return list(result.scalars() if len(query.column_descriptions) == 1 else result)
