"""Walking keyset-paginated lists: follow ``next_cursor`` until the last page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from shared.schemas.common import Page

T = TypeVar("T")


async def paginate(
    list_page: Callable[..., Awaitable[Page[T]]], /, *args: Any, **params: Any
) -> AsyncIterator[T]:
    """Every item of a list, page after page: ``list_page`` is a client ``list_*`` method that
    takes ``cursor=``; ``args`` and ``params`` are its other arguments (``limit`` is the page
    size).

    ``async for task in paginate(client.list_tasks, status=TaskStatus.open): ...``
    ``async for entry in paginate(client.list_entries, account_id, limit=200): ...``
    """
    cursor: str | None = None
    while True:
        page = await list_page(*args, cursor=cursor, **params)
        for item in page.items:
            yield item
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
