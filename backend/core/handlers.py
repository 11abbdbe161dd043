"""The one place where errors become HTTP answers: ``{"code", "message", "details"}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.core.errors import BodyTooLarge, DomainError
from shared.i18n import normalize_language, t
from shared.money import MoneyError

log = logging.getLogger("cobro.errors")

_HTTP_CODES = {
    401: "not_authenticated",
    403: "forbidden",
    404: "route_not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def error_response(
    request: Request, status: int, code: str, key: str | None = None, /, **params: Any
) -> JSONResponse:
    """``params`` fill the message; positional-only arguments, so a parameter may be called
    ``status``, ``code`` or ``key`` (e.g. an account's status) without clashing."""
    lang = normalize_language(request.headers.get("accept-language"))
    details = params.pop("details", None)
    body: dict[str, Any] = {"code": code, "message": t(key or f"error.{code}", lang, **params)}
    if details is not None:
        body["details"] = details
    elif params:
        body["details"] = params
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def body_too_large(request: Request, limit: int) -> JSONResponse:
    """413 for a request body over ``limit`` bytes; the connection is closed after it, so
    what the client is still sending is never read."""
    response = error_response(
        request, 413, "payload_too_large", "error.body_too_large", limit=limit
    )
    response.headers["Connection"] = "close"
    return response


def _validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "type": err.get("type"),
            "msg": err.get("msg"),
        }
        for err in errors
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        response = error_response(request, exc.status, exc.code, exc.message_key, **exc.params)
        # A refusal that names when to come back (a lockout, a busy server) says it in the
        # standard header too.
        if (seconds := exc.params.get("retry_after_seconds")) is not None:
            response.headers["Retry-After"] = str(seconds)
        return response

    @app.exception_handler(MoneyError)
    async def _money(request: Request, exc: MoneyError) -> JSONResponse:
        return error_response(request, 422, exc.code, details={"reason": str(exc)}, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            request, 422, "validation_error", details=_validation_details(list(exc.errors()))
        )

    @app.exception_handler(ValidationError)
    async def _pydantic(request: Request, exc: ValidationError) -> JSONResponse:
        return error_response(
            request, 422, "validation_error", details=_validation_details(list(exc.errors()))
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # Input the database cannot hold (e.g. a NUL character in PostgreSQL text, a number out
        # of range): the client's data is invalid; the unit of work was already rolled back.
        # The driver's message may quote the value itself: only its class and SQLSTATE are logged.
        state = getattr(exc.orig, "sqlstate", None) or ""
        log.info(
            "database refused data on %s: %s %s", _where(request), type(exc.orig).__name__, state
        )
        return error_response(request, 422, "validation_error")

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is down, unreachable, out of connections or still locked after the unit
        # of work's retries: nothing was written, and the same request may succeed shortly.
        log.warning("database unavailable on %s: %s", _where(request), exc)
        response = error_response(request, 503, "database_unavailable")
        response.headers["Retry-After"] = "5"
        return response

    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, _unavailable)

    @app.exception_handler(BodyTooLarge)
    async def _body_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return body_too_large(request, exc.limit)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "bad_request" if exc.status_code < 500 else "")
        if not code:
            code = "internal_error"
        return error_response(request, exc.status_code, code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", _where(request))
        return error_response(request, 500, "internal_error")


def _where(request: Request) -> str:
    """The method and route *template* of a request, for logs: never the raw path, which may
    carry a payment link's or unsubscribe page's token, a document number or a phone."""
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path_format', None) or '(no route)'}"
