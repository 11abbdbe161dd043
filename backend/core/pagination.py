"""Keyset pagination over time-ordered UUID primary keys: stable under inserts, O(limit)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

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
