"""Guards: the object a path names, loaded and checked in the endpoint's unit of work.

A guard is a plain function ``load(session, **inputs) -> Model`` that reads the object and
enforces who may see it, raising a named error (``NotFound`` for an object outside the
caller's scope, so that its existence is not revealed). ``guard(load)`` makes it a dependency,
and each domain names the result in its ``guards.py``::

    def _visible_account(session: Session, user: CurrentUser, account_id: uuid.UUID) -> Account:
        return scope.visible_account(session, user, account_id)

    VisibleAccount = Annotated[Account, guard(_visible_account)]

    @router.get("/accounts/{account_id}/ledger")
    def list_entries(session: SessionDep, account: VisibleAccount) -> ...

FastAPI resolves the load's inputs (the path parameter, the caller) like any other dependency,
on the event loop, but nothing is read there: the dependency's value is a ``Pending`` load.
``backend.core.routing.UnitOfWorkRoute`` runs the pending loads of an endpoint on the
endpoint's worker thread, inside its unit of work, just before the endpoint itself. So the
load is part of the endpoint's one transaction (no connection is held while waiting for a
thread, no second transaction, one commit), it sees what the endpoint then changes, and a unit
retried after a lock conflict loads and checks again. An endpoint with a guard that could not
run in a unit of work (an ``async`` one) is refused when the route is built.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends
from fastapi.params import Depends as DependsParam
from sqlmodel import Session

from backend.core.db import get_session

# The request's session, as ``backend.auth.deps.SessionDep`` declares it (the same dependency,
# so FastAPI hands both the same session).
_SessionDep = Annotated[Session, Depends(get_session, scope="function")]
_SESSION = "guard_session"


class Pending:
    """A guard's load with its inputs resolved, waiting for the endpoint's unit of work."""

    __slots__ = ("inputs", "load", "session")

    def __init__(self, load: Callable[..., Any], session: Session, inputs: dict[str, Any]):
        self.load = load
        self.session = session
        self.inputs = inputs

    def __call__(self) -> Any:
        return self.load(self.session, **self.inputs)


class Guard(DependsParam):
    """The ``Depends`` of a guarded parameter: its value is a ``Pending`` load of ``load``."""

    def __init__(self, dependency: Callable[..., Any], load: Callable[..., Any]) -> None:
        super().__init__(dependency)
        self.load = load


def guard(load: Callable[..., Any]) -> Guard:
    """``load(session, **inputs)`` as a dependency; ``inputs`` are declared as for FastAPI
    (a path parameter, ``CurrentUser``, another dependency)."""
    hints = typing.get_type_hints(load, include_extras=True)
    parameters = list(inspect.signature(load).parameters.values())
    if not parameters or hints.get(parameters[0].name) is not Session:
        raise TypeError(f"a guard's first parameter is the session: {load.__qualname__}")
    inputs = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, p.annotation))
        for p in parameters[1:]
    ]

    async def pending(**values: Any) -> Pending:
        session = values.pop(_SESSION)
        return Pending(load, session, values)

    session = inspect.Parameter(_SESSION, inspect.Parameter.KEYWORD_ONLY, annotation=_SessionDep)
    pending.__signature__ = inspect.Signature([session, *inputs])  # type: ignore[attr-defined]
    pending.__name__ = pending.__qualname__ = f"guard_{load.__name__.lstrip('_')}"
    return Guard(pending, load)


def guarded_parameters(endpoint: Callable[..., Any]) -> dict[str, Guard]:
    """The endpoint's parameters that receive a guarded object, by name."""
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except (NameError, TypeError):
        return {}
    found = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is typing.Annotated:
            for meta in typing.get_args(hint)[1:]:
                if isinstance(meta, Guard):
                    found[name] = meta
    return found
