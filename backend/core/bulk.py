"""Bulk writes for jobs that change pages of rows: a few statements per page, not one per row.

On PostgreSQL ``insert_rows`` streams the rows with ``COPY ... FROM STDIN`` (each value
converted by its column's SQLAlchemy type, as an INSERT would), a few times faster than any
INSERT; a handful of rows go as one ``INSERT ... SELECT FROM unnest(arrays)`` (one round trip,
where COPY needs two). ``update_rows`` is one ``UPDATE ... FROM unnest(arrays)``: a small
statement with a parameter per column (drivers run an executemany as one statement per row, and
a multi-row VALUES with thousands of placeholders costs more to build and parse than to run).
SQLite is in-process, without round trips: an executemany.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

Value = Callable[[str], ColumnElement[Any]]


COPY_FROM = 20  # rows: fewer go as one INSERT


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys). PostgreSQL: ``COPY`` (``COPY_FROM`` rows or more)
    or one ``INSERT ... SELECT FROM unnest(arrays)``; SQLite: an executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    if len(rows) >= COPY_FROM:
        _copy(session.connection(), table, names, rows)
        return
    given = _unnest(rows, {n: table.c[n].type for n in names})
    session.execute(insert(table).from_select(names, select(*[given.c[n] for n in names])))


def _copy(
    connection: Connection, table: Table, names: list[str], rows: list[dict[str, Any]]
) -> None:
    """``COPY table (names) FROM STDIN`` on the session's connection (so its transaction),
    values converted by each column's type for the dialect (enums to their stored text, UTC
    datetimes, JSON), announced to cursor listeners like any statement."""
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    processors = [table.c[n].type._cached_bind_processor(dialect) for n in names]
    columns = ", ".join(preparer.quote(n) for n in names)
    statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
    cursor = connection.connection.cursor()
    connection.dispatch.before_cursor_execute(connection, cursor, statement, {}, None, False)
    try:
        with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for row in rows:
                values = [row[n] for n in names]
                copy.write_row(
                    [v if p is None else p(v) for p, v in zip(processors, values, strict=True)]
                )
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it: IntegrityError, ...
        raise DBAPIError.instance(
            statement, {}, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc
    finally:
        cursor.close()
    connection.dispatch.after_cursor_execute(connection, cursor, statement, {}, None, False)


def _unnest(rows: list[dict[str, Any]], types: dict[str, Any]) -> Any:
    """The rows as ``unnest(array, array, ...) AS given(name, name, ...)``: a parameter per
    column, whatever the number of rows."""
    arrays = [
        bindparam(f"a_{n}", [row[n] for row in rows], type_=ARRAY(t)) for n, t in types.items()
    ]
    return func.unnest(*arrays).table_valued(*types, name="given").render_derived()


def update_rows(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    key: str,
    types: dict[str, Any],
    assign: Callable[[Value], dict[str, Any]],
    where: Callable[[Value], list[ColumnElement[bool]]] = lambda _: [],
) -> None:
    """Update ``table`` where ``table.id == row[key]`` for each row. ``types`` names each row
    value's type; ``assign(value)`` gives the SET clause and ``where(value)`` more conditions,
    with ``value(name)`` standing for a row's value in either form."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _update_from_arrays(session, table, rows, key, types, assign, where)
        return

    def from_params(n: str) -> ColumnElement[Any]:
        return bindparam(n, type_=types[n])

    statement = (
        update(table)
        .where(table.c.id == from_params(key), *where(from_params))
        .values(assign(from_params))
    )
    session.execute(statement, rows)


def _update_from_arrays(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    key: str,
    types: dict[str, Any],
    assign: Callable[[Value], dict[str, Any]],
    where: Callable[[Value], list[ColumnElement[bool]]],
) -> None:
    names = list(types)
    arrays = [bindparam(f"a_{n}", [row[n] for row in rows], type_=ARRAY(types[n])) for n in names]
    given = func.unnest(*arrays).table_valued(*names, name="given").render_derived()

    def from_arrays(n: str) -> ColumnElement[Any]:
        return given.c[n]

    statement = (
        update(table)
        .where(table.c.id == given.c[key], *where(from_arrays))
        .values(assign(from_arrays))
    )
    session.execute(statement)
