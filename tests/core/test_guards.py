"""Guards (``backend.core.guards``): every object a path names by id is loaded and checked by
one, inside the endpoint's unit of work, on its thread, and loaded again when the unit runs
again. Which caller sees which object is proven per resource in ``tests/api/test_guards.py``."""

from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from backend.auth.deps import SessionDep
from backend.core import db, handlers
from backend.core.db import get_session
from backend.core.errors import NotFound
from backend.core.guards import guard, guarded_parameters
from backend.core.routing import DomainRouter

# Path parameters no guard loads, by name and the only path prefix they may appear under.
NOT_GUARDED = {
    # The chat: a channel and the channel's id for a person (ChatDep), not a stored row. The bot
    # may act for any chat; what a chat may reach is its binding, which the bot guards
    # (ChatAccount, ChatOffer) check.
    "channel": "/api/v1/bot/{channel}/{user_id}/",
    "user_id": "/api/v1/bot/{channel}/{user_id}/",
    # A line of the guarded statement, which the service reads under a row lock.
    "line_id": "/api/v1/statements/{statement_id}/lines/{line_id}/",
    # The format of the guarded batch's report.
    "fmt": "/api/v1/imports/{batch_id}/report.{fmt}",
    # Public pages: the link's token and the receipt's verification code are the credential.
    "token": "/pay/{token}",
    "code": "/receipts/{code}",
    # The dashboard's own static files (its script, styles, chart library): nobody's data.
    "name": "/analytics/static/{name}",
}
_PARAMETER = re.compile(r"{(\w+)(?::[^}]*)?}")


def api_routes() -> list[tuple[str, APIRoute]]:
    """Every API route of the application with its full path (FastAPI keeps included routers
    as branches, so ``app.routes`` alone lists none of them)."""
    from backend.main import app

    return [
        (context.path, context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


def _guard_dependants(route: APIRoute) -> list[Dependant]:
    calls = {g.dependency for g in guarded_parameters(route.endpoint).values()}
    return [d for d in route.dependant.dependencies if d.call in calls]


def _path_params(dependant: Dependant) -> set[str]:
    names = {p.name for p in dependant.path_params}
    for sub in dependant.dependencies:
        names |= _path_params(sub)
    return names


def test_every_id_in_a_path_is_loaded_by_a_guard() -> None:
    """A new endpoint that names an object in its path and forgets its guard fails here (every
    ``{..._id}``, and any other path parameter not listed above)."""
    unguarded, exemptions_used = [], set()
    for path, route in api_routes():
        guarded = set().union(*map(_path_params, _guard_dependants(route)))
        for name in _PARAMETER.findall(path):
            if name in guarded:
                continue
            if name in NOT_GUARDED and path.startswith(NOT_GUARDED[name]):
                exemptions_used.add(name)
                continue
            unguarded.append(f"{sorted(route.methods)} {path}: {name}")
    assert unguarded == []
    assert exemptions_used == set(NOT_GUARDED)  # no exemption outlives its routes


def test_guards_read_their_ids_from_the_path() -> None:
    """A guard used on a path without its id would read it from the query string instead."""
    routes = api_routes()
    misplaced = [
        f"{path}: {dependant.call.__name__}"
        for path, route in routes
        for dependant in _guard_dependants(route)
        if dependant.query_params
    ]
    assert misplaced == []
    assert sum(bool(_guard_dependants(route)) for _, route in routes) >= 40


# --- the mechanism, on a small app ---------------------------------------------------------------


class Probe:
    def __init__(self) -> None:
        self.loads: list[tuple[int, Any, bool]] = []
        self.calls: list[tuple[int, Any]] = []
        self.fail_first = False


probe = Probe()


def _load_thing(session: Session, thing_id: uuid.UUID) -> str:
    if thing_id.int == 0:
        raise NotFound()
    session.connection()  # the load reads: the unit's transaction is open from here
    probe.loads.append((threading.get_ident(), session.get_transaction(), db._write_intent.get()))
    return f"thing {thing_id}"


Thing = Annotated[str, guard(_load_thing)]


def _probe_app(session: Session) -> FastAPI:
    global probe
    probe = Probe()
    router = DomainRouter()

    def answer(s: Session, thing: str) -> dict[str, str]:
        probe.calls.append((threading.get_ident(), s.get_transaction()))
        if probe.fail_first and len(probe.calls) == 1:
            raise OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))
        return {"thing": thing}

    @router.get("/things/{thing_id}")
    def read(session: SessionDep, thing: Thing) -> dict[str, str]:
        return answer(session, thing)

    @router.post("/things/{thing_id}")
    def write(thing: Thing) -> dict[str, str]:  # the session comes with the guard
        return answer(session, thing)

    app = FastAPI()
    handlers.install(app)
    app.include_router(router)

    def override() -> Iterator[Session]:
        session.commit()
        yield session

    app.dependency_overrides[get_session] = override
    return app


def test_a_guard_loads_in_the_endpoints_unit_of_work(session: Session) -> None:
    with TestClient(_probe_app(session)) as client:
        thing = uuid.uuid4()
        assert client.get(f"/things/{thing}").json() == {"thing": f"thing {thing}"}
        assert client.post(f"/things/{thing}").json() == {"thing": f"thing {thing}"}
    (read_load, write_load), (read_call, write_call) = probe.loads, probe.calls
    # Same worker thread and same transaction as the endpoint; a write loads as a write
    # (SQLite: after BEGIN IMMEDIATE).
    assert read_load[:2] == read_call and read_load[2] is False
    assert write_load[:2] == write_call and write_load[2] is True
    assert threading.get_ident() not in {read_call[0], write_call[0]}


def test_a_unit_run_again_loads_its_guard_again(session: Session) -> None:
    app = _probe_app(session)
    probe.fail_first = True
    with TestClient(app) as client:
        assert client.post(f"/things/{uuid.uuid4()}").status_code == 200
    assert len(probe.loads) == len(probe.calls) == 2
    assert [load[1] for load in probe.loads] == [call[1] for call in probe.calls]


def test_a_guard_refusal_answers_before_the_endpoint_runs(session: Session) -> None:
    with TestClient(_probe_app(session), raise_server_exceptions=False) as client:
        answer = client.get(f"/things/{uuid.UUID(int=0)}")
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert probe.calls == []


def test_a_guard_cannot_be_given_to_an_endpoint_outside_a_unit_of_work() -> None:
    router = DomainRouter()
    with pytest.raises(TypeError, match="synchronous"):

        @router.get("/things/{thing_id}")
        async def read(thing: Thing) -> str:
            return thing

    with pytest.raises(TypeError, match="first parameter is the session"):
        guard(lambda thing_id: thing_id)
