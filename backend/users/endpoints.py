from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from backend.auth.deps import Admin, CurrentUser, SessionDep, Staff, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.users import repository, service
from backend.users.guards import VisibleUser
from shared.schemas.auth import UserCreate, UserRead, UserUpdate
from shared.schemas.common import Page
from shared.schemas.enums import Role

router = DomainRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser) -> object:
    return user


@router.get("", response_model=Page[UserRead])
def list_users(
    session: SessionDep,
    user: Staff,
    paging: Annotated[PageParams, Depends(page_params)],
    role: Role | None = None,
    supervisor_id: Annotated[uuid.UUID | None, Query()] = None,
) -> object:
    if user.role == Role.supervisor:
        supervisor_id = user.id  # a supervisor lists their own team
    rows = repository.page(
        session, after=paging.cursor, limit=paging.limit, role=role, supervisor_id=supervisor_id
    )
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.post("", response_model=UserRead, status_code=201)
def create_user(session: SessionDep, admin: Admin, data: UserCreate) -> object:
    return service.create(session, actor_of(admin), data)


@router.get("/{user_id}", response_model=UserRead)
def get_user(_: Staff, user: VisibleUser) -> object:
    return user


@router.patch("/{user_id}", response_model=UserRead)
def update_user(session: SessionDep, admin: Admin, user: VisibleUser, data: UserUpdate) -> object:
    return service.update(session, actor_of(admin), user, data)
