"""The device's local store: one SQLite file per user under the app's data directory.

It holds what the agent needs without signal: the session (who is logged in; the tokens too
when the app has no keystore, see ``mobile.vault``), the worklist, an
:class:`~shared.schemas.field.AccountBundle` per account, the outbox of recorded actions,
buffered location pings and the sync cursor. Logging out deletes the file.

Every write commits at once (SQLite's journal makes each one durable), so a crash or a killed
app loses nothing that was saved: the outbox is the agent's work until the server answers.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from shared.schemas.field import (
    AccountBundle,
    LocationPoint,
    SyncResponse,
    SyncResult,
    SyncStatus,
    Worklist,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY,
    bundle TEXT NOT NULL,
    refreshed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    account_id TEXT,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    answered_at TEXT,
    dismissed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status, seq);
CREATE TABLE IF NOT EXISTS photos (
    client_id TEXT PRIMARY KEY,
    visit_client_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    content BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    code TEXT
);
CREATE TABLE IF NOT EXISTS pings (
    recorded_at TEXT PRIMARY KEY,
    point TEXT NOT NULL
);
"""

ACTIVE_FILE = "active-user"
#: The time zone the server last said the user works in (``AppContext.today``).
WORK_ZONE = "work_zone"


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Who is logged in on this device, with the tokens the API gave them (the access token
    and the refresh token that renews it; both replaced at each renewal)."""

    token: str
    user_id: str
    email: str
    full_name: str
    role: str
    language: str
    refresh_token: str | None = None


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """A visit photo waiting on the device for its visit to sync, then for its upload."""

    client_id: str
    visit_client_id: str
    account_id: str
    taken_at: datetime
    content: bytes


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One recorded action as stored; ``result`` is the server's answer (JSON) once known."""

    seq: int
    client_id: str
    type: str
    account_id: str | None
    recorded_at: datetime
    payload: dict[str, object]
    status: str
    attempts: int
    result: dict[str, object] | None
    answered_at: datetime | None
    dismissed: bool


class Store:
    """A user's SQLite store. Open it with :meth:`for_user`; close it or :meth:`wipe` it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        if not existed:
            os.chmod(path, 0o600)  # the day (and maybe the tokens): private to the app's user
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA secure_delete=ON")  # replaced values leave no trace in the file
        self._db.executescript(SCHEMA)

    @classmethod
    def for_user(cls, data_dir: Path, user_id: str) -> Store:
        """The store of ``user_id`` under ``data_dir`` (created on first use)."""
        return cls(data_dir / f"user-{uuid.UUID(user_id)}.sqlite3")

    def close(self) -> None:
        self._db.close()

    def truncate_log(self) -> None:
        """Write the journal into the file and empty it (its old page copies go too)."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def wipe(self) -> None:
        """Close and delete the file (logout): nothing of the user stays on the device."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Several writes that land together or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- meta: session, device id, cursor, last sync ------------------------------------------

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def save_session(self, session: SessionInfo) -> None:
        """Who is logged in; never the tokens (``mobile.vault`` keeps them)."""
        self.put("session", json.dumps(asdict(replace(session, token="", refresh_token=None))))

    def session(self) -> SessionInfo | None:
        raw = self.get("session")
        return None if raw is None else SessionInfo(**json.loads(raw))

    def device_id(self) -> str:
        """This installation's id, made on first use (the server logs it with each sync)."""
        value = self.get("device_id")
        if value is None:
            value = f"dev-{uuid.uuid4().hex}"
            self.put("device_id", value)
        return value

    # --- worklist and account bundles --------------------------------------------------------

    def save_worklist(self, worklist: Worklist) -> None:
        self.put("worklist", worklist.model_dump_json())
        self.put(WORK_ZONE, worklist.timezone)

    def worklist(self) -> Worklist | None:
        raw = self.get("worklist")
        return None if raw is None else Worklist.model_validate_json(raw)

    def save_bundle(self, bundle: AccountBundle, refreshed_at: datetime) -> None:
        """Keep a bundle fetched on its own (opening an account while online)."""
        self._upsert_bundles(self._db, [bundle], refreshed_at)

    @staticmethod
    def _upsert_bundles(
        db: sqlite3.Connection, bundles: Iterable[AccountBundle], refreshed_at: datetime
    ) -> None:
        db.executemany(
            "INSERT INTO accounts (account_id, bundle, refreshed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET bundle = excluded.bundle, "
            "refreshed_at = excluded.refreshed_at",
            [(str(b.account.id), b.model_dump_json(), refreshed_at.isoformat()) for b in bundles],
        )

    def bundle(self, account_id: uuid.UUID | str) -> AccountBundle | None:
        row = self._db.execute(
            "SELECT bundle FROM accounts WHERE account_id = ?", (str(account_id),)
        ).fetchone()
        return None if row is None else AccountBundle.model_validate_json(row[0])

    def account_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT account_id FROM accounts")}

    # --- outbox ------------------------------------------------------------------------------

    def insert_action(
        self,
        *,
        client_id: str,
        type_: str,
        account_id: str | None,
        recorded_at: datetime,
        payload: dict[str, object],
        db: sqlite3.Connection | None = None,
    ) -> None:
        (db or self._db).execute(
            "INSERT INTO outbox (client_id, type, account_id, recorded_at, payload) "
            "VALUES (?, ?, ?, ?, ?)",
            (client_id, type_, account_id, recorded_at.isoformat(), json.dumps(payload)),
        )

    def outbox(
        self,
        *,
        statuses: Iterable[str] | None = None,
        account_id: str | None = None,
        limit: int | None = None,
    ) -> list[OutboxRow]:
        """Actions in the order they were recorded, filtered by status and account."""
        where, args = [], []
        if statuses is not None:
            wanted = list(statuses)
            where.append(f"status IN ({', '.join('?' * len(wanted))})")
            args += wanted
        if account_id is not None:
            where.append("account_id = ?")
            args.append(account_id)
        # Only fixed clauses with ? placeholders are joined: the values are parameters.
        sql = "SELECT * FROM outbox" + (f" WHERE {' AND '.join(where)}" if where else "")  # noqa: S608
        sql += " ORDER BY seq" + (f" LIMIT {int(limit)}" if limit else "")
        return [_row(values) for values in self._db.execute(sql, args)]

    def count_outbox(self, status: str) -> int:
        query = "SELECT COUNT(*) FROM outbox WHERE status = ?"
        return self._db.execute(query, (status,)).fetchone()[0]

    def count_attention(self) -> int:
        """Conflicts and rejections the agent has not acknowledged yet."""
        return self._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('conflict', 'rejected') AND dismissed = 0"
        ).fetchone()[0]

    def count_attempt(self, client_ids: Iterable[str]) -> None:
        self._db.executemany(
            "UPDATE outbox SET attempts = attempts + 1 WHERE client_id = ?",
            [(c,) for c in client_ids],
        )

    def answer(
        self,
        client_id: str,
        status: str,
        result: dict[str, object],
        answered_at: datetime,
        db: sqlite3.Connection | None = None,
    ) -> None:
        """Record the server's answer for a pending action (answers are final)."""
        (db or self._db).execute(
            "UPDATE outbox SET status = ?, result = ?, answered_at = ? "
            "WHERE client_id = ? AND status = 'pending'",
            (status, json.dumps(result), answered_at.isoformat(), client_id),
        )

    def dismiss(self, client_id: str) -> None:
        self._db.execute("UPDATE outbox SET dismissed = 1 WHERE client_id = ?", (client_id,))

    def apply_sync(self, response: SyncResponse, answered_at: datetime) -> None:
        """Store one sync answer in one transaction: the results of the actions sent, the
        accounts changed or removed, the new cursor and the time of this sync. A crash before
        it commits leaves the actions pending; sending them again is answered ``duplicate``."""
        with self.transaction() as db:
            for result in response.results:
                self.answer(
                    result.client_id,
                    _final_status(result),
                    result.model_dump(mode="json"),
                    answered_at,
                    db=db,
                )
            self._upsert_bundles(db, response.changes.accounts, answered_at)
            db.executemany(
                "DELETE FROM accounts WHERE account_id = ?",
                [(str(i),) for i in response.changes.removed_account_ids],
            )
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('cursor', ?), "
                "('last_sync_at', ?)",
                (response.cursor, answered_at.isoformat()),
            )

    def action_status(self, client_id: str) -> str | None:
        row = self._db.execute("SELECT status FROM outbox WHERE client_id = ?", (client_id,))
        found = row.fetchone()
        return None if found is None else found[0]

    # --- visit photos: queued with their visit, uploaded after it synced ------------------------

    def add_photo(self, photo: StoredPhoto) -> None:
        self._db.execute(
            "INSERT INTO photos (client_id, visit_client_id, account_id, taken_at, content) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                photo.client_id,
                photo.visit_client_id,
                photo.account_id,
                photo.taken_at.isoformat(),
                photo.content,
            ),
        )

    def photos(self, status: str) -> list[StoredPhoto]:
        rows = self._db.execute(
            "SELECT client_id, visit_client_id, account_id, taken_at, content FROM photos "
            "WHERE status = ? ORDER BY rowid",
            (status,),
        )
        return [
            StoredPhoto(c, v, a, datetime.fromisoformat(t), bytes(data))
            for c, v, a, t, data in rows
        ]

    def photo_done(self, client_id: str, status: str, code: str | None = None) -> None:
        """The upload's answer (``sent``, or ``refused`` with the API's code): the image
        itself is dropped, the server keeps it."""
        self._db.execute(
            "UPDATE photos SET status = ?, code = ?, content = x'' WHERE client_id = ?",
            (status, code, client_id),
        )

    def prune_answered(self, before: datetime) -> None:
        """Forget applied and duplicate actions answered before ``before`` (kept a while so
        the agent sees what went through)."""
        self._db.execute(
            "DELETE FROM outbox WHERE status IN ('applied', 'duplicate') AND answered_at < ?",
            (before.isoformat(),),
        )

    # --- location pings ----------------------------------------------------------------------

    def add_ping(self, point: LocationPoint) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO pings (recorded_at, point) VALUES (?, ?)",
            (point.recorded_at.isoformat(), point.model_dump_json()),
        )

    def take_pings(self, db: sqlite3.Connection) -> list[LocationPoint]:
        """Remove and return the buffered pings, inside the caller's transaction."""
        points = [
            LocationPoint.model_validate_json(raw)
            for (raw,) in db.execute("SELECT point FROM pings ORDER BY recorded_at")
        ]
        db.execute("DELETE FROM pings")
        return points


def _final_status(result: SyncResult) -> str:
    """The status kept for an answer: a replay of an action that conflicted or was rejected
    the first time keeps that status, so the agent still sees it."""
    if result.status is SyncStatus.duplicate and result.original_status in (
        SyncStatus.conflict,
        SyncStatus.rejected,
    ):
        return result.original_status.value
    return result.status.value


def _row(values: tuple[object, ...]) -> OutboxRow:
    (seq, client_id, type_, account_id, recorded_at, payload, status, attempts, result,
     answered_at, dismissed) = values  # fmt: skip
    return OutboxRow(
        seq=int(seq),  # type: ignore[arg-type]
        client_id=str(client_id),
        type=str(type_),
        account_id=None if account_id is None else str(account_id),
        recorded_at=datetime.fromisoformat(str(recorded_at)),
        payload=json.loads(str(payload)),
        status=str(status),
        attempts=int(attempts),  # type: ignore[arg-type]
        result=None if result is None else json.loads(str(result)),
        answered_at=None if answered_at is None else datetime.fromisoformat(str(answered_at)),
        dismissed=bool(dismissed),
    )


def remember_active(data_dir: Path, user_id: str | None) -> None:
    """On a phone, which user's store to reopen at the next start (``None`` forgets it).

    Only the user id is written here, never the token. The browser app does not use this:
    its Python runs on the server, shared by every browser, so each browser logs in.
    """
    marker = data_dir / ACTIVE_FILE
    if user_id is None:
        marker.unlink(missing_ok=True)
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(user_id)


def active_user(data_dir: Path) -> str | None:
    marker = data_dir / ACTIVE_FILE
    return marker.read_text().strip() or None if marker.exists() else None
