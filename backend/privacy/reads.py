"""The read log: who was shown which debtor's personal data, and when.

A read must stay a read: noting it in the request's own transaction would turn every GET of a
debtor into a write (on SQLite, one writer at a time for the whole database). So a read is
noted in memory (``note``: a lock and a list append) and a writer thread of the process
inserts what accumulated (one executemany, which SQLAlchemy sends as multi-row INSERTs of a
statement compiled once) every ``COBRO_READ_LOG_SECONDS`` (1 by default), sooner when ``BATCH``
reads are waiting, and once more when the application shuts down (``stop``).

What this costs: a process killed without shutting down (``kill -9``, a power cut) loses the
reads noted since the last write, at most the last second's. A database that refuses the write
(down, locked) keeps the rows for the next turn; beyond ``LIMIT`` rows waiting, the oldest
requests' reads are dropped and counted (``dropped``, and an error in the log). Reads are
noted once the data was loaded, whether or not the response then reached the caller.

Every process that serves the API starts its own writer (``start``, from the application's
lifespan). ``COBRO_READ_LOG_SECONDS=0`` starts none: reads wait in memory until ``flush`` is
called (the test suite does this, writing into its own transaction).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session

from backend.core.actors import Actor
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.ids import uuid7
from backend.privacy.models import PersonalDataRead

log = logging.getLogger("cobro.privacy")

BATCH = 500  # how many waiting rows wake the writer early
LIMIT = 200_000  # rows kept while the database refuses them

# Why a debtor's data was shown (the ``purpose`` column).
VIEWED = "debtor.viewed"
LISTED = "debtor.listed"
SEARCHED = "debtor.searched"
EXPORTED = "debtor.exported"
ACCOUNT_VIEWED = "account.viewed"
ACCOUNTS_LISTED = "account.listed"
FIELD_ACCOUNT = "field.account"
FIELD_WORKLIST = "field.worklist"
FIELD_SYNC = "field.sync"
FIELD_PHOTO = "field.photo"


class ReadLog:
    def __init__(self) -> None:
        # What requests noted, one entry per request (the rows are built by the writer, so a
        # page of 200 accounts costs a request one append): (at, actor, debtor ids, purpose).
        self._noted: deque[tuple[datetime, Actor, tuple[uuid.UUID, ...], str]] = deque()
        self._waiting = 0  # rows those entries make
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def note(self, actor: Actor, debtor_ids: Iterable[uuid.UUID], purpose: str) -> None:
        """``actor`` was shown the personal data of ``debtor_ids`` (one row each)."""
        ids = tuple(debtor_ids)
        if not ids:
            return
        entry = (utcnow(), actor, ids, purpose)
        with self._lock:
            self._noted.append(entry)
            self._waiting += len(ids)
            waiting = self._waiting
            while self._waiting > LIMIT:
                self._waiting -= len(self._noted.popleft()[2])
                self.dropped += 1
        if waiting > LIMIT and self.dropped % 1000 == 1:
            log.error("read log: %d requests' reads dropped (database unavailable)", self.dropped)
        if waiting >= BATCH:
            self._wake.set()

    def take(self) -> list[dict[str, Any]]:
        """The rows of every read noted so far, leaving none."""
        with self._lock:
            noted, self._noted, self._waiting = self._noted, deque(), 0
        return [
            {
                "id": uuid7(),
                "at": at,
                "actor_id": actor.id,
                "actor_kind": actor.kind,
                "debtor_id": debtor_id,
                "purpose": purpose,
            }
            for at, actor, ids, purpose in noted
            for debtor_id in dict.fromkeys(ids)  # once per request (a debtor's two accounts)
        ]

    def _put_back(self, rows: list[dict[str, Any]]) -> None:
        """Rows a failed write took, back in front of what was noted since."""
        entries = [
            (r["at"], Actor(r["actor_kind"], r["actor_id"]), (r["debtor_id"],), r["purpose"])
            for r in rows
        ]
        with self._lock:
            self._noted.extendleft(reversed(entries))
            self._waiting += len(entries)

    def flush(self, session: Session) -> int:
        """Write what is waiting in ``session``'s transaction (the caller commits)."""
        rows = self.take()
        write(session, rows)
        return len(rows)

    def flush_to(self, engine: Engine | None = None) -> int:
        """Write what is waiting in a transaction of its own; on failure keep it for later."""
        rows = self.take()
        if not rows:
            return 0
        try:
            with session_scope(engine) as session:
                write(session, rows)
        except Exception:
            self._put_back(rows)
            raise
        return len(rows)

    # -- the writer thread ----------------------------------------------------------------------
    def start(self, engine: Engine | None = None, seconds: float | None = None) -> None:
        seconds = get_settings().read_log_seconds if seconds is None else seconds
        if seconds <= 0 or (self._thread is not None and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(engine, seconds), name="cobro-read-log", daemon=True
        )
        self._thread.start()

    def stop(self, engine: Engine | None = None) -> None:
        """Stop the writer and write what is left (at shutdown)."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self._thread = None
        try:
            self.flush_to(engine)
        except Exception:
            log.exception("read log: the last reads could not be written at shutdown")

    def _run(self, engine: Engine | None, seconds: float) -> None:
        while not self._stop.is_set():
            self._wake.wait(seconds)
            self._wake.clear()
            try:
                self.flush_to(engine)
            except Exception:
                log.exception("read log: writing failed; the reads wait for the next turn")


def write(session: Session, rows: list[dict[str, Any]]) -> None:
    """The rows in one executemany: a ``values()`` list would be compiled again on every
    write (it is not cacheable), which cost more CPU than the insert itself."""
    if rows:
        session.execute(insert(PersonalDataRead.__table__), rows)


LOG = ReadLog()


def note(actor: Actor, debtor_ids: Iterable[uuid.UUID], purpose: str) -> None:
    LOG.note(actor, debtor_ids, purpose)
