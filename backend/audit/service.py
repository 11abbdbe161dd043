"""Audit events: one per mutation, added to the same session (so the same transaction).

Every way of writing an event (``record``, ``event_row`` and ``record_many``, and
``record_selected`` for events the database builds) goes through the personal-data policy of
``backend.audit.masking``: an event keeps ids and masked values, never a national ID, phone,
e-mail, birth date or street as given. ``snapshot`` and ``plain`` copy a row's raw values, so
that ``changes`` compares what really changed; the mask is applied when the event is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, String, insert, literal, select
from sqlalchemy.sql import visitors
from sqlmodel import Session, SQLModel

from backend.audit.masking import PERSONAL_KEYS, masked
from backend.audit.models import AuditEvent
from backend.core.actors import Actor
from backend.core.bulk import insert_rows
from backend.core.clock import utcnow
from backend.core.ids import uuid7
from backend.core.sqlbuild import json_object, new_id


def snapshot(
    obj: SQLModel | None, *, exclude: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """JSON-safe copy of a row's columns, for the before/after of an audit event."""
    if obj is None:
        return None
    return {
        key: _jsonable(value)
        for key, value in obj.model_dump().items()
        if key not in exclude and key != "password_hash"
    }


_PLAIN = frozenset({str, int, bool, float, type(None)})  # JSON as they are (not subclasses)


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values: checked first, bulk writers snapshot thousands
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def plain(row: dict[str, Any], *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``snapshot`` of a row given as a dict of its columns."""
    return {
        key: _jsonable(value)
        for key, value in row.items()
        if key not in exclude and key != "password_hash"
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    account_id: uuid.UUID | None = None,
) -> AuditEvent:
    added = AuditEvent(
        **event_row(
            actor, action, entity_type, entity_id, before=before, after=after, account_id=account_id
        )
    )
    session.add(added)
    return added


def event_row(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    account_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The row ``record`` would add, as plain values, for writers of events in bulk
    (``record_many``), its personal data masked."""
    return {
        "id": uuid7(),
        "at": at or utcnow(),
        "actor_id": actor.id,
        "actor_kind": actor.kind,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "account_id": account_id,
        "before": masked(before),
        "after": masked(after),
    }


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert events built by ``event_row`` in one multi-row INSERT (same transaction)."""
    if rows:
        insert_rows(session, AuditEvent.__table__, masked_rows(rows))


def masked_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Event rows with ``event_row``'s keys, their personal data masked whoever built them
    (``record_many``; the importer, which writes its events with its own bulk statements)."""
    return [{**row, "before": masked(row["before"]), "after": masked(row["after"])} for row in rows]


def record_selected(
    session: Session, actor: Actor, rows: Select[Any] | CompoundSelect, *, at: datetime
) -> None:
    """``record`` for every row of ``rows`` in one ``INSERT ... SELECT``, written by the
    database (``backend.core.sqlbuild`` builds ids and JSON): ``rows`` labels its columns
    ``action``, ``entity_type``, ``entity_id`` (text), ``account_id``, ``before`` and
    ``after`` (JSON or NULL). The database cannot mask, so JSON built for an event may not
    name a personal field at all (``unmasked_fields``): a statement that does is refused."""
    if named := unmasked_fields(rows):
        raise ValueError(f"set-based audit events may not carry personal data: {sorted(named)}")
    given = rows.subquery("events")
    table = AuditEvent.__table__
    source = select(
        new_id(),
        literal(at, table.c.at.type),
        literal(actor.id, table.c.actor_id.type),
        literal(actor.kind, String()),
        given.c.action,
        given.c.entity_type,
        given.c.entity_id,
        given.c.account_id,
        given.c.before,
        given.c.after,
    )
    names = [
        "id",
        "at",
        "actor_id",
        "actor_kind",
        "action",
        "entity_type",
        "entity_id",
        "account_id",
        "before",
        "after",
    ]
    session.execute(insert(table).from_select(names, source))


def unmasked_fields(statement: Select[Any] | CompoundSelect) -> set[str]:
    """The personal fields (``backend.audit.masking``) that JSON objects built anywhere in
    ``statement`` name as keys, or take straight from a column of that name."""
    found: set[str] = set()
    for element in visitors.iterate(statement):
        if not isinstance(element, json_object):
            continue
        parts = list(element.clauses)
        for key, value in zip(parts[::2], parts[1::2], strict=False):
            name = getattr(key, "value", None)
            if isinstance(name, str) and name in PERSONAL_KEYS:
                found.add(name)
            column = getattr(value, "element", value)  # a label's column
            if isinstance(column, ColumnElement) and getattr(column, "name", None) in PERSONAL_KEYS:
                found.add(str(column.name))  # type: ignore[attr-defined]
    return found


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of plain column values (what ``snapshot`` does for a row object)."""
    return {key: _jsonable(value) for key, value in values.items()}


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict, dict]:
    """Only the fields that changed, so an update's event reads like a diff (the row's own
    ``updated_at`` is left out: the event's ``at`` already tells when)."""
    before, after = before or {}, after or {}
    keys = {k for k in after if k != "updated_at" and before.get(k) != after.get(k)}
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
