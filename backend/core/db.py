"""Engine, sessions and the one-commit-per-request unit of work.

Services never commit: they add and flush. The request (``unit_of_work``, run by the route
class in ``backend.core.routing``) or the job (``session_scope``) commits once at its boundary,
or rolls everything back.

Connections are held only by the thread doing the work: a request's session opens its
connection on the worker thread that runs the endpoint, commits there and gives the connection
back before the thread is released, so no request waits for a thread while holding a
connection or a transaction.

SQLite: a write unit of work starts with ``BEGIN IMMEDIATE`` (it takes the write lock first, and
waits for it within the busy timeout) so it can never fail halfway when upgrading a read lock.
Reads start deferred and run beside writers (WAL). A unit that still meets a locked database
(or a PostgreSQL deadlock or serialization failure) is rolled back and run again as a whole.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.core.config import get_settings
from backend.core.errors import DomainError
from backend.core.sqlbuild import sqlite_local_date, sqlite_uuid7

log = logging.getLogger("cobro.db")

# Whether the transactions begun in this context will write (SQLite: BEGIN IMMEDIATE).
_write_intent: ContextVar[bool] = ContextVar("cobro_write_intent", default=False)

RETRIES = 5
T = TypeVar("T")
# PostgreSQL SQLSTATEs worth running the whole unit again for: serialization_failure,
# deadlock_detected, and unique_violation. A statement's snapshot is taken before it waits for
# a row lock, so a unit that waited for a concurrent writer of the same idempotency key can miss
# the row that writer committed and collide on its unique key; run again, it reads that row and
# answers as a replay. (A unique key that is really taken fails the same way every time.)
_RETRY_SQLSTATES = {"40001", "40P01", "23505"}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A failed statement's parameters (national IDs, phones, e-mails) stay out of exception
    # messages, and so out of logs and of a failed job's stored error.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if path and path != ":memory:":
            # As on PostgreSQL, a connection for every request thread: a smaller pool would
            # open (and set up) a new connection for every request beyond it, then close it.
            threads = get_settings().worker_threads
            kwargs.setdefault("pool_size", threads + 4)
            kwargs.setdefault("max_overflow", 4)
            kwargs.setdefault("pool_timeout", 10)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin, so SAVEPOINTs and
            # one-commit-per-request behave as on PostgreSQL.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # What PostgreSQL has built in for rows built by SQL (``backend.core.sqlbuild``).
            dbapi_connection.create_function("cobro_uuid7", 0, sqlite_uuid7)
            dbapi_connection.create_function(
                "cobro_local_date", 2, sqlite_local_date, deterministic=True
            )

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")

        return engine
    # One connection per thread that can do database work at once (request threads and the
    # in-process job runner), plus a few for the event loop's own short reads.
    threads = get_settings().worker_threads
    kwargs.setdefault("pool_size", threads + 4)
    kwargs.setdefault("max_overflow", 4)
    kwargs.setdefault("pool_timeout", 10)
    return create_engine(url, pool_pre_ping=True, **kwargs)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def new_session(engine: Engine | None = None) -> Session:
    return Session(engine or get_engine(), expire_on_commit=False)


@contextmanager
def writing(write: bool = True) -> Iterator[None]:
    """Transactions begun inside announce whether they will write (see the module doc)."""
    token = _write_intent.set(write)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = True) -> Iterator[Session]:
    """A job's unit of work: commit once on success, roll back on any error (except a
    ``DomainError`` that ``commits``: what the service recorded of the refusal is kept)."""
    session = new_session(engine)
    try:
        with writing(write):
            yield session
            session.commit()
    except DomainError as exc:
        _settle_refusal(session, exc)
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _settle_refusal(session: Session, refusal: DomainError) -> None:
    """A refused request writes nothing, unless the refusal keeps its own record (a rejected
    import's report): then what the service recorded commits and the error is still raised."""
    if refusal.commits:
        session.commit()
    else:
        session.rollback()


def is_retryable(exc: BaseException) -> bool:
    """A lock or serialization conflict that a fresh run of the whole unit can get past."""
    if isinstance(exc, OperationalError):
        message = str(exc.orig).lower()
        if "database is locked" in message or "database table is locked" in message:
            return True
    if isinstance(exc, DBAPIError):
        return getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES
    return False


def unit_of_work(session: Session, work: Callable[[], T], *, write: bool = True) -> T:
    """Run ``work`` and commit, on this thread; on a retryable conflict roll back and run it
    again as a whole (never half); on any other error roll back and raise."""
    with writing(write):
        for attempt in range(1, RETRIES + 1):
            try:
                result = work()
                session.commit()
                return result
            except DomainError as exc:
                _settle_refusal(session, exc)
                raise
            except BaseException as exc:
                session.rollback()
                if attempt == RETRIES or not is_retryable(exc):
                    raise
                log.info("unit of work retried after a conflict (attempt %d): %s", attempt, exc)
                time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


async def get_session() -> AsyncIterator[Session]:
    """FastAPI dependency: the request's session. It opens no connection until used; the
    endpoint's ``unit_of_work`` commits it on the thread that did the work.

    Asynchronous, so that neither opening nor closing it costs a hop to a worker thread: a
    session whose unit of work ended holds no connection and closes at once on the event loop;
    one still in a transaction (an error before its unit of work) is closed on a thread."""
    session = new_session()
    try:
        yield session
    finally:
        if session.in_transaction():  # a request that failed before its unit of work
            await run_in_threadpool(session.close)
        else:
            session.close()


def expire_loaded(session: Session, *models: type[Any]) -> None:
    """Expire every row of ``models`` this session holds after a statement changed some of them
    behind the ORM's back (a set-based job does not know which), so the next read sees the
    new values."""
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, models):
            session.expire(loaded)
