"""Alembic environment: runs against the engine of ``backend.core.db`` (or one given in
``config.attributes["connection"]`` by tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (registers every table)
from backend.core.db import get_engine

target_metadata = SQLModel.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    with get_engine().connect() as conn:
        _migrate(conn)
        conn.commit()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with _foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrations rebuild tables other tables reference (a
    rebuild drops the old table; with foreign keys on that fails once rows point at it). The
    pragma only takes effect outside a transaction: callers that migrate a database holding
    rows run on a connection without one (``engine.connect()``); the migrations that rebuild
    check ``PRAGMA foreign_key_check`` before their transaction commits."""
    raw = connection.connection.driver_connection
    switch = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if switch:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if switch:
            raw.execute("PRAGMA foreign_keys=ON")


run()
