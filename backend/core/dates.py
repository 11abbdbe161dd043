"""Date arithmetic in SQL that reads the same on PostgreSQL and SQLite.

``add_days(day, n)`` is the date ``n`` days after ``day`` (a DATE or a timestamp column; ``n``
a literal or an integer column). PostgreSQL: ``CAST(day AS DATE) + n``. SQLite stores dates as
ISO text, so ``date(day, printf('%+d days', n))`` gives the same text, comparable with stored
dates and bound ``date`` parameters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


class add_days(GenericFunction[Any]):
    type = Date()
    name = "add_days"
    inherit_cache = True

    def __init__(self, day: Any, days: Any) -> None:
        if isinstance(days, int):
            days = literal(days, Integer())
        super().__init__(day, days)


@compiles(add_days)
def _add_days_default(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + {compiler.process(days, **kw)})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    shift = compiler.process(cast(days, Integer), **kw)
    return f"date({compiler.process(day, **kw)}, printf('%+d days', {shift}))"
