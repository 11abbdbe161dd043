"""Users and roles: admins manage users; supervisors lead a team of agents."""

from __future__ import annotations

import uuid

from sqlalchemy import event
from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.errors import Conflict, InvalidCredentials, NotFound, ValidationFailed
from backend.core.security import DUMMY_HASH, hash_password, verify_password
from backend.users import principals, repository
from backend.users.models import User
from shared.schemas.auth import UserCreate, UserUpdate
from shared.schemas.enums import Role


def authenticate(session: Session, email: str, password: str) -> User:
    user = repository.by_email(session, email)
    if user is None:
        verify_password(password, DUMMY_HASH)
        raise InvalidCredentials()
    if not verify_password(password, user.password_hash) or not user.is_active:
        raise InvalidCredentials()
    return user


def _check_supervisor(session: Session, role: Role, supervisor_id: uuid.UUID | None) -> None:
    if supervisor_id is None:
        return
    supervisor = session.get(User, supervisor_id)
    if role != Role.agent or supervisor is None or supervisor.role != Role.supervisor:
        raise ValidationFailed("error.invalid_supervisor")


def create(session: Session, actor: Actor, data: UserCreate) -> User:
    if repository.by_email(session, data.email):
        raise Conflict("error.email_taken")
    _check_supervisor(session, data.role, data.supervisor_id)
    user = User(
        email=data.email.strip().lower(),
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        role=data.role,
        supervisor_id=data.supervisor_id,
        language=data.language,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, after=audit.snapshot(user))
    return user


def update(session: Session, actor: Actor, user: User, data: UserUpdate) -> User:
    """Change a user the caller may see (their guard loaded it)."""
    before = audit.snapshot(user)
    fields = data.model_dump(exclude_unset=True)
    if "supervisor_id" in fields:
        _check_supervisor(session, user.role, fields["supervisor_id"])
    if (password := fields.pop("password", None)) is not None:
        user.password_hash = hash_password(password)
    for key, value in fields.items():
        if value is not None or key == "supervisor_id":
            setattr(user, key, value)
    session.add(user)
    session.flush()
    _forget_principal(session, user.id)
    old, new = audit.changes(before, audit.snapshot(user))
    audit.record(session, actor, "user.updated", "user", user.id, before=old, after=new)
    return user


def _forget_principal(session: Session, user_id: uuid.UUID) -> None:
    """Cached principals of this user (``backend.users.principals``) are dropped now and again
    once the change is committed, so no request of this process sees the old role, team or
    active flag after the commit."""
    principals.forget(user_id)
    event.listen(session, "after_commit", lambda _: principals.forget(user_id), once=True)


def get_visible(session: Session, viewer: User, user_id: uuid.UUID) -> User:
    """A user the viewer may see: admins anyone, supervisors themselves and their team, agents
    themselves; 404 otherwise."""
    user = session.get(User, user_id)
    if user is None or not (
        viewer.role == Role.admin or user.id == viewer.id or user.supervisor_id == viewer.id
    ):
        raise NotFound()
    return user
