"""Claiming due rows for a worker with a lease: the one mechanism behind every outbox-like
table whose rows carry ``status`` (``pending`` / ``sending`` / ...), ``next_attempt_at`` and
``id`` (creditors' webhook deliveries, payment notices to chats).

A claim takes up to ``limit`` rows due by ``now`` (``pending``, or ``sending`` whose lease ran
out: a ``sending`` row's time is its sender's lease) and marks them ``sending`` until
``lease_until``. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers share the rows;
SQLite's write transactions are serial."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session


def claim_due(
    session: Session, model: Any, now: datetime, lease_until: datetime, limit: int
) -> list[uuid.UUID]:
    table = model.__table__.c
    due = (
        select(table.id)
        .where(table.next_attempt_at <= now, table.status.in_(("pending", "sending")))
        .order_by(table.next_attempt_at, table.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.execute(due).scalars())
    if ids:
        session.execute(
            update(model)
            .where(table.id.in_(ids))
            .values(status="sending", next_attempt_at=lease_until)
        )
    return ids
