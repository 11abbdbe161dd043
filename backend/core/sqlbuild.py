"""Portable SQL for rows the database builds itself (``INSERT ... SELECT``), the same on
PostgreSQL and SQLite, so a job can write a page of rows without carrying them through Python.

* ``new_id()``: a time-ordered UUID (version 7, as ``backend.core.ids.uuid7``) made per row,
  its 12 bits after the milliseconds a fraction of the millisecond, so that rows a later
  statement inserts sort after an earlier one's (a task's event after its promise's).
  PostgreSQL reads ``clock_timestamp()``; SQLite calls ``cobro_uuid7()``, which
  ``make_engine`` registers (32 hex digits, how SQLite stores a UUID).
* ``uuid_text(column)``: a UUID as ``str(uuid)`` writes it (hyphens; SQLite stores 32 digits).
* ``json_object(key, value, ...)``: a JSON object (``json_build_object`` / ``json_object``),
  its keys in the order given; ``json_record(dict)`` the same from a dict; ``json_of(column)``
  a JSON value read from a column, to nest in one.
* ``local_date(timestamp, timezone)``: the date a stored UTC timestamp falls on in an IANA
  timezone. PostgreSQL: ``AT TIME ZONE``; SQLite calls ``cobro_local_date()``, registered by
  ``make_engine`` (``zoneinfo``, as ``datetime.astimezone`` in Python).
* ``days_between(later, earlier)``: whole days from one date to another.
* ``among(column, keys)``: ``column IN (keys)``, a subquery of a page's keys. PostgreSQL gets
  ``column = ANY(ARRAY(keys))``, which it always serves by the column's index: offered a join
  of a few thousand keys with a big table, its default costs may prefer to scan all of it.
  It guesses such an array small, so a statement filters one table this way (the one it
  starts from) and reaches the others by their keys.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ColumnElement, Date, Integer, Select, String, Uuid
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal

# 48 bits of Unix milliseconds and 12 of the fraction of the millisecond (RFC 9562, method 3)
# from one clock reading, the version, then the variant and random bits of a random UUID.
_PG_UUID7 = (
    "CAST(overlay(lpad(to_hex(CAST(floor(extract(epoch FROM clock_timestamp()) * 4096000) "
    "AS BIGINT)), 15, '0') PLACING '7' FROM 13 FOR 0) "
    "|| right(CAST(gen_random_uuid() AS TEXT), 17) AS UUID)"
)


class new_id(GenericFunction[Any]):
    type = Uuid()
    name = "new_id"
    inherit_cache = True


@compiles(new_id)
def _new_id_postgresql(element: new_id, compiler: Any, **kw: Any) -> str:
    return _PG_UUID7


@compiles(new_id, "sqlite")
def _new_id_sqlite(element: new_id, compiler: Any, **kw: Any) -> str:
    return "cobro_uuid7()"


class uuid_text(GenericFunction[Any]):
    type = String()
    name = "uuid_text"
    inherit_cache = True


@compiles(uuid_text)
def _uuid_text_postgresql(element: uuid_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(uuid_text, "sqlite")
def _uuid_text_sqlite(element: uuid_text, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return "(" + " || '-' || ".join(f"substr({value}, {a}, {n})" for a, n in _HEX_GROUPS) + ")"


_HEX_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


class json_object(GenericFunction[Any]):
    type = JSON()
    name = "json_object"
    inherit_cache = True


@compiles(json_object)
def _json_object_postgresql(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _json_object_sqlite(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


def json_record(fields: dict[str, Any]) -> json_object:
    """``json_object`` of the keys and SQL values of ``fields``, in its order."""
    return json_object(*(part for pair in fields.items() for part in pair))


class json_of(GenericFunction[Any]):
    type = JSON()
    name = "json_of"
    inherit_cache = True


@compiles(json_of)
def _json_of_postgresql(element: json_of, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS JSON)"


@compiles(json_of, "sqlite")
def _json_of_sqlite(element: json_of, compiler: Any, **kw: Any) -> str:
    return f"json({compiler.process(element.clauses, **kw)})"


class local_date(GenericFunction[Any]):
    type = Date()
    name = "local_date"
    inherit_cache = True


@compiles(local_date)
def _local_date_postgresql(element: local_date, compiler: Any, **kw: Any) -> str:
    at, zone = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({at}) AT TIME ZONE ({zone}) AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: Any, **kw: Any) -> str:
    return f"cobro_local_date({compiler.process(element.clauses, **kw)})"


class days_between(GenericFunction[Any]):
    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


class among(ColumnElement[bool]):
    inherit_cache = True
    type = NullType()  # a Boolean would read "IN (...) = 1" on SQLite
    _traverse_internals: ClassVar[Any] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("keys", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], keys: Select[Any]) -> None:
        self.column = column
        self.keys = keys.scalar_subquery()


@compiles(among)
def _among_postgresql(element: among, compiler: Any, **kw: Any) -> str:
    keys = compiler.process(element.keys, **kw)
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{keys})"


@compiles(among, "sqlite")
def _among_sqlite(element: among, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} IN {compiler.process(element.keys, **kw)}"


def sqlite_uuid7() -> str:
    """``new_id()`` on SQLite."""
    ns = time.time_ns()
    ms, fraction = divmod(ns, 1_000_000)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (fraction * 4096 // 1_000_000) << 64
    value |= 0b10 << 62
    value |= int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    return f"{value:032x}"


def sqlite_local_date(stored: str | None, timezone: str | None) -> str | None:
    """``local_date()`` on SQLite: a stored UTC timestamp (``YYYY-MM-DD HH:MM:SS[.ffffff]``)
    as the ISO date it falls on in ``timezone``."""
    if stored is None or timezone is None:
        return None
    at = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(timezone)).date().isoformat()
