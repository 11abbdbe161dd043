"""Set-based inserts for the import's hot path, without per-row ORM or statement overhead.

Values go through each column's own SQLAlchemy bind processor (UUIDs, UTC datetimes, enums,
JSON are stored exactly as the ORM stores them), prepared once per table and dialect; a column
of few distinct values (enums, dates, the import's one timestamp) processes each value once.
Then:
- PostgreSQL: ``COPY table (columns) FROM STDIN`` through psycopg's ``cursor.copy``;
- SQLite: multi-row ``INSERT ... VALUES (...), (...), ...`` statements of up to ``SQLITE_ROWS``
  rows (one statement per row would open a statement journal per row on tables with triggers,
  three times slower).
Both run on the session's connection, inside its transaction (nothing is committed here).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from psycopg import sql
from sqlalchemy import JSON, Column, Table, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from backend.core.sealed import Sealed

Processor = Callable[[Any], Any]

SQLITE_ROWS = 500  # rows per multi-row INSERT (fewer when the columns would pass the limit)
SQLITE_VARIABLES = 32766  # SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32


def insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every dict carries every column of ``table``)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = list(table.columns)
    names = [c.name for c in columns]
    values = _bound(rows, columns, dialect)
    raw = connection.connection.driver_connection
    if dialect.name == "postgresql":
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        with (
            _errors_wrapped(dialect, f"COPY {table.name}"),
            raw.cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for value in values:
                copy.write_row(value)
        return
    with _errors_wrapped(dialect, f"INSERT INTO {table.name}"):
        _insert_values(raw, dialect, table, names, values)


@contextmanager
def _errors_wrapped(dialect: Dialect, statement: str) -> Iterator[None]:
    """The driver's errors as SQLAlchemy's (``IntegrityError``, ``OperationalError``...), as if
    the statement had gone through SQLAlchemy: callers map a unique violation to a conflict,
    and the unit of work retries a deadlock or a locked database."""
    base = dialect.loaded_dbapi.Error
    try:
        yield
    except base as exc:
        raise DBAPIError.instance(statement, None, exc, base, dialect=dialect) from exc


def _insert_values(
    raw: Any, dialect: Dialect, table: Table, names: list[str], values: list[tuple[Any, ...]]
) -> None:
    quote = dialect.identifier_preparer  # names from the table, quoted; values bound
    columns = ", ".join(map(quote.quote, names))
    head = f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES "  # noqa: S608
    one = f"({', '.join('?' * len(names))})"
    per = max(1, min(SQLITE_ROWS, SQLITE_VARIABLES // len(names)))
    cursor = raw.cursor()
    try:
        for start in range(0, len(values), per):
            part = values[start : start + per]
            statement = head + ", ".join(itertools.repeat(one, len(part)))
            cursor.execute(statement, list(itertools.chain.from_iterable(part)))
    finally:
        cursor.close()


def update(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    increment: Collection[str] = (),
) -> None:
    """``UPDATE table SET column = value, ... WHERE id = row["id"]`` for every row, set-based:
    the rows travel as one relation (PostgreSQL: one ``unnest`` of an array per column;
    SQLite: a ``WITH given AS (VALUES ...)`` of up to ``SQLITE_ROWS`` rows per statement) that
    the UPDATE joins. Every row carries ``id`` and the same columns; a column named in
    ``increment`` is added to (``balance_minor = balance_minor + value``), so concurrent
    increments are never lost."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    values = _bound(rows, columns, dialect)
    quote = dialect.identifier_preparer
    target = quote.format_table(table)
    aliases = [f"v{index}" for index in range(len(names))]
    assignments = ", ".join(
        f"{quote.quote(name)} = "
        + (f"{target}.{quote.quote(name)} + " if name in increment else "")
        + f"given.{alias}"
        for name, alias in zip(names, aliases, strict=True)
        if name != "id"
    )
    match = f"{target}.{quote.quote('id')} = given.v{names.index('id')}"
    raw = connection.connection.driver_connection
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{column.type.compile(dialect=dialect)}[]" for column in columns)
        statement = (
            f"UPDATE {target} SET {assignments} "  # noqa: S608 (names quoted, values bound)
            f"FROM unnest({arrays}) AS given({', '.join(aliases)}) WHERE {match}"
        )
        with _errors_wrapped(dialect, statement), raw.cursor() as cursor:
            cursor.execute(statement, [list(column) for column in zip(*values, strict=True)])
        return
    one = f"({', '.join('?' * len(names))})"
    per = max(1, min(SQLITE_ROWS, SQLITE_VARIABLES // len(names)))
    cursor = raw.cursor()
    try:
        for start in range(0, len(values), per):
            part = values[start : start + per]
            statement = (
                f"WITH given({', '.join(aliases)}) AS (VALUES "  # noqa: S608 (as above)
                f"{', '.join(itertools.repeat(one, len(part)))}) "
                f"UPDATE {target} SET {assignments} FROM given WHERE {match}"
            )
            with _errors_wrapped(dialect, statement):
                cursor.execute(statement, list(itertools.chain.from_iterable(part)))
    finally:
        cursor.close()


def _bound(
    rows: Sequence[dict[str, Any]], columns: list[Column[Any]], dialect: Dialect
) -> list[tuple[Any, ...]]:
    """Rows as driver tuples, processed column by column (``map`` keeps the loop in C)."""
    values = []
    for column in columns:
        given = list(map(itemgetter(column.name), rows))
        process = column.type._cached_bind_processor(dialect)
        if process is not None:
            # few distinct, hashable values (a sealed value is encrypted afresh every time)
            if not isinstance(column.type, Uuid | JSON | Sealed):
                process = _once_per_value(process)
            given = list(map(process, given))
        values.append(given)
    return list(zip(*values, strict=True))


def _once_per_value(process: Processor) -> Processor:
    done: dict[Any, Any] = {}

    def processed(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            done[value] = result = process(value)
            return result

    return processed
