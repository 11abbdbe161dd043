"""Keyset pagination over time-ordered UUID primary keys: stable under inserts, O(limit).

Every list's cursor is read here and nowhere else: the key of the previous page's last row
(``key_cursor``: the canonical text of a UUID, as ``next_cursor`` writes it) or a position
(``number_cursor``: a line number, a page number). Whatever a client sends, a cursor that is
not exactly such a value (too long, another alphabet, digits that are not ASCII, out of range)
answers 422 ``invalid_cursor``, never a server error and never a different page.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlmodel import Session

from backend.core.errors import ValidationFailed

MAX_CURSOR = 64  # characters; longer ones are refused before anything is parsed
_KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII)
_NUMBER = re.compile(r"[0-9]{1,12}", re.ASCII)

# The ``cursor`` query parameter of every list. Its length is checked by the parsers below (so
# a long one is an ``invalid_cursor`` like any other), and documented here.
CursorQuery = Annotated[
    str | None,
    Query(
        description="next_cursor of the previous page",
        json_schema_extra={"maxLength": MAX_CURSOR},
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=500)]


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"

    def __init__(self) -> None:
        super().__init__("error.invalid_cursor")


def key_cursor(raw: str | None) -> uuid.UUID | None:
    """The key a cursor names (None when absent or sent empty, as clients that serialise None
    as '' do)."""
    if not raw:
        return None
    if len(raw) > MAX_CURSOR or not raw.isascii() or not _KEY.fullmatch(raw.lower()):
        raise InvalidCursor()
    return uuid.UUID(raw)


def number_cursor(raw: str | None, *, low: int = 0, high: int = 10**12) -> int | None:
    """The position a cursor names, within ``low..high`` (None when absent or empty)."""
    if not raw:
        return None
    if len(raw) > MAX_CURSOR or not _NUMBER.fullmatch(raw):
        raise InvalidCursor()
    value = int(raw)
    if not low <= value <= high:
        raise InvalidCursor()
    return value


class PageParams(BaseModel):
    cursor: uuid.UUID | None = None
    limit: int = 50


def page_params(cursor: CursorQuery = None, limit: LimitQuery = 50) -> PageParams:
    return PageParams(cursor=key_cursor(cursor), limit=limit)


async def page_query(cursor: CursorQuery = None, limit: LimitQuery = 50) -> PageParams:
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
