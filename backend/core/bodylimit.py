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

Every route gets ``COBRO_MAX_BODY_BYTES`` (1 MiB) unless the application names it among the
routes that take more (file uploads, the field app's sync batches; see ``backend.app``), named
by their path or path template (``/api/v1/accounts/{account_id}/evidence``: a ``{name}``
matches one path segment). The limit is known before routing, from the method and path alone,
so that a declared length is refused before anything runs. Websockets are not concerned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.config import get_settings
from backend.core.errors import BodyTooLarge
from backend.core.handlers import body_too_large

#: A limit in bytes, read when a request comes (so it follows the settings).
Limit = Callable[[], int]


class BodyLimit:
    """``larger``: ``(method, path) -> limit`` of the routes allowed more than the default."""

    def __init__(self, app: ASGIApp, larger: Mapping[tuple[str, str], Limit]) -> None:
        self.app = app
        self.larger = {key: limit for key, limit in larger.items() if "{" not in key[1]}
        self.templates = [
            (method, re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), limit)
            for (method, path), limit in larger.items()
            if "{" in path
        ]

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
        method, path = scope["method"], scope["path"].rstrip("/") or "/"
        larger = self.larger.get((method, path))
        if larger is None:
            larger = next(
                (
                    limit
                    for m, pattern, limit in self.templates
                    if m == method and pattern.match(path)
                ),
                None,
            )
        return larger() if larger is not None else get_settings().max_body_bytes


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
