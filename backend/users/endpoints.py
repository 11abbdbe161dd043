from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from backend.auth.deps import CurrentUser, SessionDep, UserAdmin, actor_of, require_roles
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.users import repository, service
from backend.users.guards import VisibleUser
from backend.users.models import User
from shared.schemas.auth import UserCreate, UserRead, UserUpdate
from shared.schemas.common import Page
from shared.schemas.enums import Role

router = DomainRouter(prefix="/users", tags=["users"])
# Who may read users: the agency's admins and supervisors (their team), a creditor's admin
# (their creditor's users).
UserReader = Annotated[User, require_roles(Role.admin, Role.supervisor, Role.creditor_admin)]


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser) -> object:
    return user


@router.get("", response_model=Page[UserRead])
def list_users(
    session: SessionDep,
    user: UserReader,
    paging: Annotated[PageParams, Depends(page_params)],
    role: Role | None = None,
    supervisor_id: Annotated[uuid.UUID | None, Query()] = None,
    creditor_id: Annotated[uuid.UUID | None, Query()] = None,
) -> object:
    if user.role == Role.supervisor:
        supervisor_id = user.id  # a supervisor lists their own team
    if user.role == Role.creditor_admin:
        creditor_id = user.creditor_id  # a creditor's admin lists their creditor's users
        supervisor_id = None
    rows = repository.page(
        session,
        after=paging.cursor,
        limit=paging.limit,
        role=role,
        supervisor_id=supervisor_id,
        creditor_id=creditor_id,
    )
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.post("", response_model=UserRead, status_code=201)
def create_user(session: SessionDep, admin: UserAdmin, data: UserCreate) -> object:
    return service.create(session, actor_of(admin), data, creator=admin)


@router.get("/{user_id}", response_model=UserRead)
def get_user(_: UserReader, user: VisibleUser) -> object:
    return user


@router.patch("/{user_id}", response_model=UserRead)
def update_user(
    session: SessionDep, admin: UserAdmin, user: VisibleUser, data: UserUpdate
) -> object:
    return service.update(session, actor_of(admin), user, data)
