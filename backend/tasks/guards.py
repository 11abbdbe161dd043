"""The task a path names (``/tasks/{task_id}``), loaded and checked in the endpoint's unit of
work (``backend.core.guards``): a task of an account the caller may see, or assigned to them;
404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.tasks import service
from backend.tasks.models import Task


def _visible_task(session: Session, user: CurrentUser, task_id: uuid.UUID) -> Task:
    return service.get_visible(session, user, task_id)


VisibleTask = Annotated[Task, guard(_visible_task)]
