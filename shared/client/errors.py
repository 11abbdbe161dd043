"""What the client raises.

* :class:`ApiError` (and its subclasses by status): the API answered and refused the request;
  ``code`` is the backend's stable machine-readable code, ``message`` is already translated to
  the client's language. Retrying the same request will not help.
* :class:`ApiUnavailable`: the API could not be reached, timed out or failed (5xx). The work is
  still valid: keep it and try again later (the offline-first mobile app catches exactly this).

Both derive from :class:`CobroClientError`. The names avoid pydantic's ``ValidationError``: a
request body that breaks the contract is refused locally with that one, before anything is sent.
"""

from __future__ import annotations

from typing import Any

import httpx


class CobroClientError(Exception):
    """Base of every error the Cobro client raises about a request."""


class ApiError(CobroClientError):
    """A non-2xx, non-5xx answer, built from the backend's ``{"code", "message", "details"}``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class AuthError(ApiError):
    """401 (no, invalid or expired token; wrong credentials) or 403 (role not allowed)."""


class NotFoundError(ApiError):
    """404: missing, or outside the caller's visibility (the API does not tell them apart)."""


class ConflictError(ApiError):
    """409: the current state refuses the request (offer already accepted, key reused, ...)."""


class ApiValidationError(ApiError):
    """422: the API refused the data; ``details`` says which fields and why."""


class ApiUnavailable(CobroClientError):
    """The API is unreachable, timed out, or answered 5xx (then ``status`` and ``code`` are set).

    A write that failed this way may or may not have been applied: send it again later with
    the same idempotency key or client id, and the API answers with the first result.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}" if status else message)
        self.status = status
        self.code = code
        self.message = message


_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    422: ApiValidationError,
}


def error_from_response(response: httpx.Response) -> ApiError | ApiUnavailable:
    """The error a non-2xx answer stands for (bodies that are not the API's JSON still map)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("code") or f"http_{status}")
    message = str(body.get("message") or response.reason_phrase)
    if status >= 500:
        return ApiUnavailable(message, status=status, code=code)
    return _BY_STATUS.get(status, ApiError)(status, code, message, body.get("details"))
