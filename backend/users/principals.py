"""A short-lived cache of verified principals, so a read does not decode its JWT and load its
user on every request.

An entry maps the exact bearer token (its signature was verified when it was stored) to a
snapshot of the user's columns. It is used only while all of these hold:

* it is younger than ``COBRO_PRINCIPAL_CACHE_SECONDS`` (default 5 s; 0 turns the cache off);
* the token has not expired (its ``exp`` is kept with the entry);
* the user has not been changed through this process since (``forget`` runs when
  ``users.service.update`` changes a user; a load racing with it is not stored, see
  ``_generation``).

So deactivating a user, changing their password, role or team, or revoking their tokens
(``token_version``) takes effect at once in the process that made the change and within the
cache's lifetime (5 s by default) in every other process.
Each request gets its own detached ``User`` copy: nothing is shared between requests.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import make_transient_to_detached

from backend.users.models import User

MAX_ENTRIES = 10_000
_MANAGER = User._sa_class_manager  # type: ignore[attr-defined]
_COLUMNS = tuple(c.key for c in User.__table__.columns)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class _Entry:
    user_id: uuid.UUID
    values: dict[str, Any]
    stored_at: float
    token_expires_at: float  # POSIX seconds, the token's ``exp``


_entries: dict[str, _Entry] = {}
_lock = threading.Lock()
# Bumped by every ``forget``: a load that began before it must not store what it read.
_generation = 0


def generation() -> int:
    return _generation


def lookup(token: str, ttl: float) -> User | None:
    """A fresh detached copy of the cached user of ``token``, or None."""
    entry = _entries.get(token)
    if entry is None:
        return None
    if time.monotonic() - entry.stored_at > ttl or time.time() >= entry.token_expires_at:
        _entries.pop(token, None)
        return None
    # As the ORM builds a loaded row (no __init__): a detached instance, as if read and expunged.
    user = _MANAGER.new_instance()
    user.__dict__.update(entry.values)
    make_transient_to_detached(user)
    return user


def store(token: str, user: User, token_expires_at: float, loaded_at_generation: int) -> None:
    """Remember an active user read for ``token`` (unless a ``forget`` happened meanwhile)."""
    values = {key: getattr(user, key) for key in _COLUMNS}
    with _lock:
        if _generation != loaded_at_generation:
            return
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token] = _Entry(user.id, values, time.monotonic(), token_expires_at)


def forget(user_id: uuid.UUID | None = None) -> None:
    """Drop the entries of ``user_id`` (every entry when None), e.g. after changing the user."""
    global _generation
    with _lock:
        _generation += 1
        for token in [t for t, e in _entries.items() if user_id is None or e.user_id == user_id]:
            _entries.pop(token, None)
