"""Routers whose endpoints run as one unit of work on the thread that does the work.

``DomainRouter`` is the ``APIRouter`` of every domain. A synchronous endpoint that takes the
request's session (``SessionDep``) is wrapped so that, on its worker thread, it runs, commits
(or rolls back) and gives its connection back before the thread is released; a retryable lock
conflict runs it again as a whole (``backend.core.db.unit_of_work``). Requests other than GET
and HEAD are writes (SQLite takes the write lock when they begin).

Asynchronous endpoints (uploads, webhooks) read their body on the event loop and then hand the
database work to ``run_unit``, which does the same on a worker thread.

An endpoint's guarded parameters (``backend.core.guards``: the object a path names, loaded and
checked) are loaded at the start of its unit of work, on the same thread and in the same
transaction, and again when the unit runs again.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import Scope

from backend.core.db import get_session, unit_of_work
from backend.core.guards import guarded_parameters

T = TypeVar("T")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def takes_session(endpoint: Callable[..., Any]) -> bool:
    """Whether the endpoint works with the request's session (itself or through a guard)."""
    return _session_parameter(endpoint) is not None or bool(guarded_parameters(endpoint))


def _session_parameter(endpoint: Callable[..., Any]) -> str | None:
    """The name of the endpoint's parameter that receives the request's session."""
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except (NameError, TypeError):
        return None
    for name, hint in hints.items():
        if typing.get_origin(hint) is typing.Annotated:
            for meta in typing.get_args(hint)[1:]:
                if getattr(meta, "dependency", None) is get_session:
                    return name
    return None


def _in_unit(
    endpoint: Callable[..., Any], parameter: str | None, guarded: tuple[str, ...], write: bool
) -> Callable[..., Any]:
    if not guarded:

        @functools.wraps(endpoint)
        def run(**kwargs: Any) -> Any:
            return unit_of_work(kwargs[parameter], lambda: endpoint(**kwargs), write=write)

        return run

    @functools.wraps(endpoint)
    def run_guarded(**kwargs: Any) -> Any:
        session: Session = kwargs[parameter] if parameter else kwargs[guarded[0]].session

        def work() -> Any:  # each run loads (and checks) the guarded objects afresh
            return endpoint(**{**kwargs, **{name: kwargs[name]() for name in guarded}})

        return unit_of_work(session, work, write=write)

    return run_guarded


class UnitOfWorkRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        parameter = _session_parameter(endpoint)
        guarded = tuple(guarded_parameters(endpoint))
        if parameter or guarded:
            if inspect.iscoroutinefunction(endpoint):
                if guarded:
                    raise TypeError(f"{path}: guards load in a unit of work; make it synchronous")
            else:
                methods = {m.upper() for m in kwargs.get("methods") or ("GET",)}
                write = not methods <= READ_METHODS
                endpoint = _in_unit(endpoint, parameter, guarded, write)
        super().__init__(path, endpoint, **kwargs)


class PrefilteredRouter(APIRouter):
    """An ``APIRouter`` that turns away, with one regular expression search, the requests none
    of its routes can match.

    FastAPI matches a request against the included routers one by one, and each router against
    each of its routes (twice: to choose the router, then to handle it); with every domain
    included under ``/api/v1`` that walk cost about as much as a whole read. A route's path up
    to its first parameter (``/accounts/`` of ``/accounts/{account_id}``) is part of every path
    it matches, so a request whose path contains none of the router's such prefixes cannot
    match it: ``Match.NONE`` without walking. Any other request is matched exactly as before.
    """

    _prefilter: tuple[int, re.Pattern[str] | None] | None = None

    def _static_prefixes(self) -> list[str] | None:
        prefixes = []
        for route in self.routes:
            path = getattr(route, "path", None)
            if not isinstance(route, APIRoute) or not path:
                return [self.prefix] if self.prefix else None  # an included router, a mount
            prefixes.append(path.split("{", 1)[0])
        return prefixes

    def _pattern(self) -> re.Pattern[str] | None:
        cached = self._prefilter
        if cached is not None and cached[0] == len(self.routes):
            return cached[1]
        prefixes = self._static_prefixes()
        pattern = None
        if prefixes and all(prefixes):
            pattern = re.compile("|".join(re.escape(p) for p in sorted(set(prefixes))))
        self._prefilter = (len(self.routes), pattern)
        return pattern

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        pattern = self._pattern()
        if pattern is not None and not pattern.search(scope.get("path", "")):
            return Match.NONE, {}
        return super().matches(scope)


class DomainRouter(PrefilteredRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", UnitOfWorkRoute)
        super().__init__(**kwargs)


async def run_unit(session: Session, work: Callable[[], T], *, write: bool = True) -> T:
    """From an async endpoint: ``work`` and its commit on one worker thread."""
    return await run_in_threadpool(unit_of_work, session, work, write=write)
