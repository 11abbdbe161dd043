"""A job that works through a table a page at a time, each page its own committed unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.db import session_scope


def in_pages(engine: Engine | None, page: Callable[[Session, Any], Any]) -> None:
    """Call ``page(session, after)`` with the key it last returned (None at first) until it
    returns None; each call commits before the next, so a crash loses one idempotent page."""
    after: Any = None
    while True:
        with session_scope(engine) as session:
            after = page(session, after)
        if after is None:
            return
