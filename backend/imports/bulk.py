"""Set-based inserts for the import's hot path, without per-row ORM or statement overhead.

Values go through each column's own SQLAlchemy bind processor (UUIDs, UTC datetimes, enums,
JSON are stored exactly as the ORM stores them), prepared once per table and dialect. Then:
- PostgreSQL: ``COPY table (columns) FROM STDIN`` through psycopg's ``cursor.copy``;
- SQLite (and anything else): one prepared ``INSERT`` run with the driver's ``executemany``.
Both run on the session's connection, inside its transaction (nothing is committed here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import Table
from sqlmodel import Session

Processor = Callable[[Any], Any] | None


def insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every dict carries every column of ``table``)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = list(table.columns)
    names = [c.name for c in columns]
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    values = _bound(rows, names, processors)
    raw = connection.connection.driver_connection
    if dialect.name == "postgresql":
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    assert compiled.positiontup == names  # qmark placeholders in column order
    cursor = raw.cursor()
    try:
        cursor.executemany(str(compiled), values)
    finally:
        cursor.close()


def _bound(
    rows: Sequence[dict[str, Any]], names: list[str], processors: list[Processor]
) -> list[tuple[Any, ...]]:
    """Rows as driver tuples, processed column by column (``map`` keeps the loop in C)."""
    columns = [
        [row[name] for row in rows]
        if process is None
        else list(map(process, (row[name] for row in rows)))
        for name, process in zip(names, processors, strict=True)
    ]
    return list(zip(*columns, strict=True))
