"""Tasks: follow-ups after broken plans and promises, and approval requests for supervisors.

Jobs create tasks with a ``dedupe_key`` so running them twice creates nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session

from backend.accounts.models import Account
from backend.accounts.scope import account_visibility, visible_through_account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.bulk import insert_rows
from backend.core.clock import utcnow
from backend.core.errors import Conflict, Forbidden
from backend.core.ids import uuid7
from backend.tasks import repository
from backend.tasks.models import Task
from backend.users.models import User
from shared.schemas.enums import Role, TaskKind, TaskStatus


def default_assignee(session: Session, account: Account, kind: TaskKind) -> uuid.UUID | None:
    """Approvals go to the agent's supervisor; follow-ups to the assigned agent."""
    agent = session.get(User, account.assigned_agent_id) if account.assigned_agent_id else None
    if kind == TaskKind.approval_request:
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


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up a job opens on an account once (``dedupe_key``), assigned to the account's
    agent (``default_assignee`` for follow-ups, without reading the user row)."""

    account_id: uuid.UUID
    agent_id: uuid.UUID | None
    kind: TaskKind
    due_date: date
    payload: dict[str, Any]
    dedupe_key: str


def open_follow_ups(session: Session, actor: Actor, items: list[FollowUp]) -> list[uuid.UUID]:
    """``open_task`` for a page of follow-ups: one SELECT of the existing dedupe keys, one
    INSERT of the new tasks and one of their ``task.created`` events. The ids of all of them,
    existing ones included, in order."""
    existing = repository.ids_by_dedupe_keys(session, [i.dedupe_key for i in items])
    rows: list[dict[str, Any]] = []
    ids: list[uuid.UUID] = []
    for item in items:
        if (known := existing.get(item.dedupe_key)) is not None:
            ids.append(known)
            continue
        row = {  # in the order ``audit.snapshot`` of a new Task lists them
            "account_id": item.account_id,
            "assignee_id": item.agent_id,
            "kind": item.kind,
            "due_date": item.due_date,
            "payload": item.payload,
            "dedupe_key": item.dedupe_key,
            "id": uuid7(),
            "status": TaskStatus.open,
            "resolution": None,
            "created_at": utcnow(),
            "closed_at": None,
            "closed_by_id": None,
        }
        existing[item.dedupe_key] = row["id"]
        rows.append(row)
        ids.append(row["id"])
    if rows:
        insert_rows(session, Task.__table__, rows)
        audit.record_many(
            session,
            [
                audit.event_row(
                    actor,
                    "task.created",
                    "task",
                    row["id"],
                    after=audit.jsonable(row),
                    account_id=row["account_id"],
                )
                for row in rows
            ],
        )
    return ids


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
    if status in (TaskStatus.approved, TaskStatus.rejected):
        if task.kind != TaskKind.approval_request:
            raise Conflict("error.task_not_approval")
        if user.role == Role.agent:
            raise Forbidden()
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
