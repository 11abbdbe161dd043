"""Bulk writes for jobs that change pages of rows: a few statements per page, not one per row.

On PostgreSQL ``insert_rows`` streams the rows with ``COPY ... FROM STDIN`` (each value
converted by its column's SQLAlchemy type, as an INSERT would), a few times faster than any
INSERT; a handful of rows go as one multi-row INSERT (one round trip, where COPY needs two).
``RowsUpdate`` is one ``UPDATE ... FROM unnest(arrays)``: a small statement with a parameter per
column (drivers run an executemany as one statement per row, and a multi-row VALUES with
thousands of placeholders costs more to build and parse than to run). SQLite is in-process,
without round trips: an executemany.

Jobs that judge a page entirely in SQL keep their working rows in a ``scratch`` table: a
temporary table of the connection (so concurrent workers never see each other's), filled and
read with ``INSERT ... SELECT`` and ``UPDATE ... FROM`` and never carried through Python.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateTable
from sqlmodel import Session

Value = Callable[[str], ColumnElement[Any]]


COPY_FROM = 20  # rows: fewer go as one INSERT


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys). PostgreSQL: ``COPY`` (``COPY_FROM`` rows or more)
    or one multi-row INSERT; SQLite: an executemany."""
    if not rows:
        return
    if len(rows) >= COPY_FROM and session.get_bind().dialect.name == "postgresql":
        _copy(session.connection(), table, list(rows[0]), rows)
        return
    session.execute(insert(table), rows)


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


class RowsUpdate:
    """``UPDATE table SET assign(value) WHERE table.id = row[key] AND where(value)`` for many
    rows, built once (for a few rows, building the statement costs more than running it).
    ``types`` names each row value's type and ``scalars`` the values shared by all rows (given
    at each call); ``value(name)`` stands for either in both forms: PostgreSQL one statement
    over ``unnest(arrays)``, SQLite an executemany."""

    def __init__(
        self,
        table: Table,
        *,
        key: str,
        types: dict[str, Any],
        assign: Callable[[Value], dict[str, Any]],
        where: Callable[[Value], list[ColumnElement[bool]]] = lambda _: [],
        scalars: dict[str, Any] | None = None,
    ) -> None:
        self.table, self.key, self.types = table, key, types
        self.assign, self.where, self.scalars = assign, where, scalars or {}

    def __call__(self, session: Session, rows: list[dict[str, Any]], **scalars: Any) -> None:
        if not rows:
            return
        if session.get_bind().dialect.name == "postgresql":
            arrays = {f"a_{n}": [row[n] for row in rows] for n in self.types}
            session.execute(self._over_arrays, {**arrays, **scalars})
        else:
            session.execute(self._per_row, [{**row, **scalars} for row in rows])

    @cached_property
    def _over_arrays(self) -> Update:
        arrays = [bindparam(f"a_{n}", type_=ARRAY(t)) for n, t in self.types.items()]
        given = func.unnest(*arrays).table_valued(*self.types, name="given").render_derived()

        def value(n: str) -> ColumnElement[Any]:
            return given.c[n] if n in self.types else bindparam(n, type_=self.scalars[n])

        return self._statement(given.c[self.key], value)

    @cached_property
    def _per_row(self) -> Update:
        named = {**self.types, **self.scalars}

        def value(n: str) -> ColumnElement[Any]:
            return bindparam(n, type_=named[n])

        return self._statement(value(self.key), value)

    def _statement(self, key: ColumnElement[Any], value: Value) -> Update:
        return (
            update(self.table)
            .where(self.table.c.id == key, *self.where(value))
            .values(self.assign(value))
        )


def scratch(session: Session, table: Table) -> None:
    """Make ``table`` (declared with ``prefixes=["TEMPORARY"]`` on a metadata of its own, so
    no migration knows it) this connection's empty scratch table: created on first use and
    emptied after. PostgreSQL empties it with TRUNCATE, which leaves no dead rows behind
    (autovacuum never visits temporary tables)."""
    session.execute(CreateTable(table, if_not_exists=True))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {table.name}"))
    else:
        session.execute(delete(table))
