"""Bulk writes for jobs that change pages of rows: a few statements per page, not one per row.

On PostgreSQL a page of rows travels as one array per column: ``insert_rows`` is one
``INSERT ... SELECT FROM unnest(arrays)`` and ``update_rows`` one ``UPDATE ... FROM
unnest(arrays)``, a small statement with a parameter per column (drivers run an executemany as
one statement per row, and a multi-row VALUES with thousands of placeholders costs more to
build and parse than to run). SQLite is in-process, without round trips: an executemany.

Jobs that judge a page entirely in SQL keep their working rows in a ``scratch`` table: a
temporary table of the connection (so concurrent workers never see each other's), filled and
read with ``INSERT ... SELECT`` and ``UPDATE ... FROM`` and never carried through Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.schema import CreateTable
from sqlmodel import Session

Value = Callable[[str], ColumnElement[Any]]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys). PostgreSQL: one ``INSERT ... SELECT FROM
    unnest(arrays)``; SQLite: an executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    given = _unnest(rows, {n: table.c[n].type for n in names})
    session.execute(insert(table).from_select(names, select(*[given.c[n] for n in names])))


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
