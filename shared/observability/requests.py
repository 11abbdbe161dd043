"""The request middleware: every HTTP request logged once and timed, under a request id.

The id is the client's ``X-Request-ID`` when it is well formed (1-128 of ``A-Z a-z 0-9 . _ : -``,
so a proxy's id carries through), else a new one; it is bound to every log line of the request
and returned in the response's ``X-Request-ID``. The line names the route *template*
(``/api/v1/debtors/{debtor_id}``), never the raw path or its query: those may carry national IDs,
phone numbers or tokens.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from fastapi.routing import iter_route_contexts
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability.logs import get_logger
from shared.observability.metrics import REQUEST_SECONDS, status_class

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED = "<unmatched>"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

log = get_logger("cobro.access")


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if _WELL_FORMED.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


def observe(app: Starlette) -> None:
    """Put a ``RequestObserver`` around ``app``'s whole middleware stack, outside even
    Starlette's ``ServerErrorMiddleware``: the answer to an unhandled error carries the
    request id too, as do the error's log lines, and every middleware's refusals are seen."""
    build = app.build_middleware_stack

    def build_observed() -> ASGIApp:
        return RequestObserver(build())

    app.build_middleware_stack = build_observed  # type: ignore[method-assign]


class RequestObserver:
    """ASGI middleware: see :func:`observe`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[int, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        outer_app, root_path = scope.get("app"), scope.get("root_path", "")
        status = 500  # unless a response starts: an error escaped every handler
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = self._route(scope, outer_app, root_path)
                REQUEST_SECONDS.labels(scope["method"], route, status_class(status)).observe(
                    seconds
                )
                (log.error if status >= 500 else log.info)(
                    "request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    duration_ms=round(seconds * 1000, 1),
                )

    def _route(self, scope: Scope, outer_app: Any, root_path: str) -> str:
        """The template of the route that answered; a mounted app's prefix with ``{path}``;
        else ``<unmatched>``."""
        route = scope.get("route")
        if route is not None:
            template = self._templates.get(id(route))
            if template is None:
                template = self._learn(outer_app, route)
            if template:
                return template
        mounted = scope.get("root_path", "")[len(root_path) :]
        return f"{mounted}/{{path}}" if mounted else UNMATCHED

    def _learn(self, outer_app: Any, route: Any) -> str:
        """Map every route of the app to its full template (routers included under prefixes
        keep their own relative paths); routes added since are learnt on first sight."""
        routes = getattr(outer_app, "routes", None) or []
        self._templates = {
            id(context.original_route): context.path_format
            for context in iter_route_contexts(routes)
            if context.path_format
        }
        found = self._templates.get(id(route)) or getattr(route, "path_format", "") or ""
        self._templates[id(route)] = found
        return found
