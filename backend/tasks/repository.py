from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.core.pagination import keyset
from backend.tasks.models import Task
from shared.schemas.enums import TaskKind, TaskStatus


def by_dedupe_key(session: Session, key: str) -> Task | None:
    return session.execute(select(Task).where(Task.dedupe_key == key)).scalars().first()


def id_by_dedupe_key(dedupe_key: Any) -> ScalarSelect[Any]:
    """SQL: the id of the task opened under ``dedupe_key`` (an SQL value), NULL if none."""
    return select(Task.id).where(Task.dedupe_key == dedupe_key).scalar_subquery()


def page(
    session: Session,
    *,
    visible: ColumnElement[bool],
    after: uuid.UUID | None,
    limit: int,
    status: TaskStatus | None,
    kind: TaskKind | None,
    assignee_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
) -> list[Task]:
    query = select(Task).join(Account, Account.id == Task.account_id).where(visible)
    if status:
        query = query.where(Task.status == status)
    if kind:
        query = query.where(Task.kind == kind)
    if assignee_id:
        query = query.where(Task.assignee_id == assignee_id)
    if account_id:
        query = query.where(Task.account_id == account_id)
    return keyset(session, query, Task.id, after, limit)
