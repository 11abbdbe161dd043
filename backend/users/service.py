"""Users and roles: admins manage users; supervisors lead a team of agents."""

from __future__ import annotations

import uuid
from typing import TypeGuard

from sqlalchemy import event
from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.config import get_settings
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.core.security import hash_password
from backend.creditors.models import Creditor
from backend.users import principals, repository
from backend.users.models import User
from shared.schemas.auth import UserCreate, UserUpdate
from shared.schemas.enums import CREDITOR_ROLES, Role


def usable(user: User | None) -> TypeGuard[User]:
    """Whether ``user`` may hold a session now: active, and not a demo login in production."""
    return (
        user is not None and user.is_active and not (user.is_demo and get_settings().is_production)
    )


def _check_supervisor(session: Session, role: Role, supervisor_id: uuid.UUID | None) -> None:
    if supervisor_id is None:
        return
    supervisor = session.get(User, supervisor_id)
    if role != Role.agent or supervisor is None or supervisor.role != Role.supervisor:
        raise ValidationFailed("error.invalid_supervisor")


def _creditor_of(session: Session, creator: User | None, data: UserCreate) -> uuid.UUID | None:
    """The creditor a new user belongs to: a creditor's admin creates only their creditor's
    users; the agency's admin names an existing creditor for a creditor's user, and none for
    the agency's own staff."""
    if creator is not None and creator.role == Role.creditor_admin:
        if data.role not in CREDITOR_ROLES or data.creditor_id not in (None, creator.creditor_id):
            raise ValidationFailed("error.invalid_creditor")
        return creator.creditor_id
    if data.role not in CREDITOR_ROLES:
        if data.creditor_id is not None or data.can_write:
            raise ValidationFailed("error.invalid_creditor")
        return None
    if data.creditor_id is None or session.get(Creditor, data.creditor_id) is None:
        raise ValidationFailed("error.invalid_creditor")
    return data.creditor_id


def create(
    session: Session, actor: Actor, data: UserCreate, *, creator: User | None = None
) -> User:
    """A new user, made by an admin (``creator``: the agency's, or a creditor's; none for the
    command line, which acts as the agency)."""
    if repository.by_email(session, data.email):
        raise Conflict("error.email_taken")
    creditor_id = _creditor_of(session, creator, data)
    _check_supervisor(session, data.role, data.supervisor_id)
    user = User(
        email=data.email.strip().lower(),
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        role=data.role,
        supervisor_id=data.supervisor_id,
        creditor_id=creditor_id,
        can_write=data.can_write,
        language=data.language,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, after=audit.snapshot(user))
    return user


# Changes after which the user's earlier tokens must stop working.
_REVOKING = ("password_hash", "is_active", "role", "can_write")


def update(session: Session, actor: Actor, user: User, data: UserUpdate) -> User:
    """Change a user the caller may see (their guard loaded it). A new password, a
    deactivation or a new role revokes every token the user holds (``token_version``)."""
    before = audit.snapshot(user)
    held = {key: getattr(user, key) for key in _REVOKING}
    fields = data.model_dump(exclude_unset=True)
    if "supervisor_id" in fields:
        _check_supervisor(session, user.role, fields["supervisor_id"])
    if fields.get("can_write") is not None and user.role not in CREDITOR_ROLES:
        raise ValidationFailed("error.invalid_creditor")
    if (password := fields.pop("password", None)) is not None:
        user.password_hash = hash_password(password)
    for key, value in fields.items():
        if value is not None or key == "supervisor_id":
            setattr(user, key, value)
    if any(getattr(user, key) != value for key, value in held.items()):
        user.token_version += 1
    session.add(user)
    session.flush()
    _forget_principal(session, user.id)
    old, new = audit.changes(before, audit.snapshot(user))
    audit.record(session, actor, "user.updated", "user", user.id, before=old, after=new)
    return user


def revoke_tokens(session: Session, actor: Actor, user: User) -> User:
    """Make every token ``user`` holds stale (their access and refresh tokens, or a service
    identity's credential)."""
    user.token_version += 1
    session.add(user)
    session.flush()
    _forget_principal(session, user.id)
    audit.record(
        session,
        actor,
        "user.tokens_revoked",
        "user",
        user.id,
        after={"token_version": user.token_version},
    )
    return user


def _forget_principal(session: Session, user_id: uuid.UUID) -> None:
    """Cached principals of this user (``backend.users.principals``) are dropped now and again
    once the change is committed, so no request of this process sees the old role, team or
    active flag after the commit."""
    principals.forget(user_id)
    event.listen(session, "after_commit", lambda _: principals.forget(user_id), once=True)


def get_visible(session: Session, viewer: User, user_id: uuid.UUID) -> User:
    """A user the viewer may see: admins anyone, supervisors themselves and their team, a
    creditor's admin their creditor's users, others themselves; 404 otherwise."""
    user = session.get(User, user_id)
    if user is None or not (
        viewer.role == Role.admin
        or user.id == viewer.id
        or user.supervisor_id == viewer.id
        or (
            viewer.role == Role.creditor_admin
            and viewer.creditor_id is not None
            and user.creditor_id == viewer.creditor_id
        )
    ):
        raise NotFound()
    return user
