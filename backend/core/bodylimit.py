"""Request body limits, enforced while the body streams in: before it is parsed and before the
caller is authenticated.

FastAPI reads a JSON or form body whole before it runs the endpoint's dependencies (the bearer
token check among them), so without a limit anyone could make the server hold any number of
huge bodies in memory. :class:`BodyLimit` wraps the whole application:

* a declared ``Content-Length`` over the route's limit answers 413 ``payload_too_large`` at
  once, without reading the body or running the route;
* a body without one (chunked) is counted as it arrives and cut at the limit: the read that
  crosses it fails with 413 (answered by the error handler, or by the middleware itself if the
  error escapes); nothing past the limit is ever received.

Every route gets ``COBRO_MAX_BODY_BYTES`` (1 MiB) unless its endpoint is marked with
:func:`body_limit` (file uploads, the field app's sync batches). Websockets are not concerned.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.config import get_settings
from backend.core.errors import BodyTooLarge
from backend.core.handlers import body_too_large

F = TypeVar("F", bound=Callable[..., Any])
Limit = Callable[[], int]
_ATTRIBUTE = "cobro_body_limit"


def body_limit(limit: Limit) -> Callable[[F], F]:
    """Give an endpoint its own body limit (bytes, read from the settings per request). Place
    it under the route decorator::

        @router.post("/imports")
        @body_limit(lambda: get_settings().max_upload_bytes + ENVELOPE)
        async def upload_import(...): ...
    """

    def mark(endpoint: F) -> F:
        setattr(endpoint, _ATTRIBUTE, limit)
        return endpoint

    return mark


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: list[tuple[re.Pattern[str], frozenset[str] | None, Limit]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, send, limit)

    def _limit(self, scope: Scope) -> int:
        if self._routes is None:
            self._routes = _marked_routes(scope["app"].routes)
        path, method = scope["path"], scope["method"]
        for pattern, methods, limit in self._routes:
            if (methods is None or method in methods) and pattern.match(path):
                return limit()
        return get_settings().max_body_bytes


def _marked_routes(routes: list[Any]) -> list[tuple[re.Pattern[str], frozenset[str] | None, Limit]]:
    found = []
    for route in routes:
        limit = getattr(getattr(route, "endpoint", None), _ATTRIBUTE, None)
        if limit is not None:
            methods = getattr(route, "methods", None)
            found.append((route.path_regex, frozenset(methods) if methods else None, limit))
    return found


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    await body_too_large(Request(scope), limit)(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
