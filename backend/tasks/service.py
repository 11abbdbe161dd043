"""Tasks: follow-ups after broken plans and promises, approval requests and dispute reviews
for supervisors.

Jobs create tasks with a ``dedupe_key`` so running them twice creates nothing twice. A dispute
review closes when its dispute is resolved (``backend.disputes``), not by hand.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
)
from sqlmodel import Session

from backend.accounts.models import Account
from backend.accounts.scope import account_visibility, visible_through_account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.errors import Conflict, Forbidden
from backend.core.sqlbuild import json_of, json_record, new_id, uuid_text
from backend.tasks import repository
from backend.tasks.models import Task
from backend.users.models import User
from shared.schemas.enums import Role, TaskKind, TaskStatus

# Decisions for the agent's supervisor; everything else is the assigned agent's.
SUPERVISOR_KINDS = frozenset(
    {TaskKind.approval_request, TaskKind.dispute_review, TaskKind.verification_alert}
)


def default_assignee(session: Session, account: Account, kind: TaskKind) -> uuid.UUID | None:
    """Approvals, dispute reviews and verification alerts go to the agent's supervisor;
    follow-ups to the agent."""
    agent = session.get(User, account.assigned_agent_id) if account.assigned_agent_id else None
    if kind in SUPERVISOR_KINDS:
        return agent.supervisor_id if agent else None
    return agent.id if agent else None


def open_task(
    session: Session,
    actor: Actor,
    account: Account,
    kind: TaskKind,
    due_date: date,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
) -> Task:
    if dedupe_key and (existing := repository.by_dedupe_key(session, dedupe_key)):
        return existing
    task = Task(
        account_id=account.id,
        assignee_id=default_assignee(session, account, kind),
        kind=kind,
        due_date=due_date,
        payload=payload,
        dedupe_key=dedupe_key,
    )
    session.add(task)
    session.flush()
    audit.record(
        session,
        actor,
        "task.created",
        "task",
        task.id,
        after=audit.snapshot(task),
        account_id=account.id,
    )
    return task


def follow_up_id(dedupe_key: Any) -> ColumnElement[Any]:
    """SQL: the id of the follow-up under ``dedupe_key``: the task already opened under it,
    else a new id (which ``open_selected`` then opens)."""
    return func.coalesce(repository.id_by_dedupe_key(dedupe_key), new_id())


def open_selected(session: Session, actor: Actor, rows: Select[Any], *, at: datetime) -> None:
    """``open_task`` for the follow-ups a job selects, written by SQL alone (``INSERT ...
    SELECT``, nothing carried through Python), assigned as the job chose: ``rows`` labels
    ``id`` (the new task's), ``account_id``, ``assignee_id``, ``kind``, ``due_date``,
    ``payload`` (JSON) and ``dedupe_key``. A row whose dedupe key is taken opens nothing. Two
    statements: the ``task.created`` events (while the keys are still free), then the tasks."""
    given = rows.subquery("follow_ups")
    free = ~exists().where(Task.dedupe_key == given.c.dedupe_key)
    snapshot = json_record(  # ``audit.snapshot`` of a new Task, keys in its order
        {
            "account_id": uuid_text(given.c.account_id),
            "assignee_id": uuid_text(given.c.assignee_id),
            "kind": given.c.kind,
            "due_date": given.c.due_date,
            "payload": json_of(given.c.payload),
            "dedupe_key": given.c.dedupe_key,
            "id": uuid_text(given.c.id),
            "status": literal(TaskStatus.open.value),
            "resolution": null(),
            "created_at": literal(audit.jsonable({"at": at})["at"]),
            "closed_at": null(),
            "closed_by_id": null(),
        }
    )
    events = select(
        literal("task.created").label("action"),
        literal("task").label("entity_type"),
        uuid_text(given.c.id).label("entity_id"),
        given.c.account_id.label("account_id"),
        cast(null(), JSON).label("before"),
        snapshot.label("after"),
    ).where(free)
    audit.record_selected(session, actor, events, at=at)
    table = Task.__table__
    values = select(
        given.c.id,
        given.c.account_id,
        given.c.assignee_id,
        given.c.kind,
        literal(TaskStatus.open.value, table.c.status.type),
        given.c.due_date,
        given.c.payload,
        given.c.dedupe_key,
        literal(at, table.c.created_at.type),
    ).where(free)
    names = [
        "id",
        "account_id",
        "assignee_id",
        "kind",
        "status",
        "due_date",
        "payload",
        "dedupe_key",
        "created_at",
    ]
    session.execute(insert(table).from_select(names, values))


def visible_scope(user: User):
    """Tasks of the accounts a user sees, plus (for supervisors) their own approvals."""
    scope = account_visibility(user)
    if user.role == Role.supervisor:
        scope = or_(scope, Task.assignee_id == user.id)
    return scope


def get_visible(session: Session, user: User, task_id: uuid.UUID) -> Task:
    """A task of an account the caller may see, or assigned to them (404 otherwise)."""
    return visible_through_account(session, user, Task, task_id, Task.assignee_id == user.id)


def close(
    session: Session,
    actor: Actor,
    user: User,
    task: Task,
    status: TaskStatus,
    resolution: str | None,
) -> Task:
    """Close a task the caller may see (their guard loaded it)."""
    if task.status != TaskStatus.open:
        raise Conflict("error.task_closed")
    if task.kind == TaskKind.dispute_review:
        raise Conflict("error.task_closed_by_dispute")
    if status in (TaskStatus.approved, TaskStatus.rejected):
        if task.kind != TaskKind.approval_request:
            raise Conflict("error.task_not_approval")
        if user.role not in (Role.supervisor, Role.admin):
            raise Forbidden()
    return finish(session, actor, user, task, status, resolution)


def finish(
    session: Session,
    actor: Actor,
    user: User,
    task: Task,
    status: TaskStatus,
    resolution: str | None,
) -> Task:
    """Close an open task its domain has settled (a resolved dispute closes its review)."""
    before = {"status": task.status.value}
    task.status = status
    task.resolution = resolution
    task.closed_at = utcnow()
    task.closed_by_id = user.id
    session.add(task)
    session.flush()
    audit.record(
        session,
        actor,
        f"task.{status.value}",
        "task",
        task.id,
        before=before,
        after={"status": status.value, "resolution": resolution},
        account_id=task.account_id,
    )
    return task
