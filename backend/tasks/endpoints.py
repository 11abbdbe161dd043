from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from backend.auth.deps import CurrentUser, SessionDep, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.plans import service as plans
from backend.tasks import repository, service
from backend.tasks.guards import VisibleTask
from shared.schemas.common import Page
from shared.schemas.enums import TaskKind, TaskStatus
from shared.schemas.negotiation import PlanRead, TaskClose, TaskRead

router = DomainRouter(prefix="/tasks", tags=["tasks"])


@router.get("", response_model=Page[TaskRead])
def list_tasks(
    session: SessionDep,
    user: CurrentUser,
    paging: Annotated[PageParams, Depends(page_params)],
    status: TaskStatus | None = None,
    kind: TaskKind | None = None,
    assignee_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
) -> object:
    rows = repository.page(
        session,
        visible=service.visible_scope(user),
        after=paging.cursor,
        limit=paging.limit,
        status=status,
        kind=kind,
        assignee_id=assignee_id,
        account_id=account_id,
    )
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.get("/{task_id}", response_model=TaskRead)
def get_task(task: VisibleTask) -> object:
    return task


@router.post("/{task_id}/close", response_model=TaskRead)
def close_task(
    session: SessionDep, user: CurrentUser, task: VisibleTask, body: TaskClose
) -> object:
    """Mark done or cancelled; approval requests are approved or rejected by a supervisor."""
    status = TaskStatus(body.status)
    service.close(session, actor_of(user), user, task, status, body.resolution)
    if status == TaskStatus.approved:
        plans.approve(session, actor_of(user), task)
    return task


@router.post("/{task_id}/approve", response_model=PlanRead, status_code=201)
def approve_task(session: SessionDep, user: CurrentUser, task: VisibleTask) -> object:
    """Approve an out-of-limit proposal: the requested terms become an active plan."""
    service.close(session, actor_of(user), user, task, TaskStatus.approved, None)
    return plans.plan_to_read(session, plans.approve(session, actor_of(user), task))
