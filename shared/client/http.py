"""The connection every domain of the API shares: base URL, token, language, errors, retries.

Domain mixins add one short method per endpoint on top of :meth:`HttpClient._request`, which
sends the request and parses a 2xx answer into the given model or raises (see ``errors``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from shared.client.errors import ApiUnavailable, error_from_response

V1 = "/api/v1"

T = TypeVar("T")

# Bodies are the shared schema models (only the fields set are sent, which PATCH relies on) or
# plain mappings (free-form documents such as a negotiation policy).
JsonBody = BaseModel | Mapping[str, Any]
# Multipart files as httpx takes them: field name -> (filename, content[, content type]).
Files = Mapping[str, tuple[str, bytes] | tuple[str, bytes, str]]


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def _query(params: Mapping[str, object]) -> dict[str, str]:
    """Query parameters as the API reads them; ``None`` means "not given" and is left out."""
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for name, value in params.items()
        if value is not None
    }


def _json(body: JsonBody) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", exclude_unset=True)
    return to_jsonable_python(body)


class HttpClient:
    """An ``httpx.AsyncClient`` with the caller's bearer token and language.

    ``base_url`` is the server root (``/api/v1`` is added by each method); ``language`` is
    sent as ``Accept-Language``; ``token`` resumes a stored session. Pass ``transport``
    to talk to an app in-process (``httpx.ASGITransport(app=app)``) or to a mock in tests.
    Use as ``async with``, or call :meth:`aclose` when done.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        language: str = "es",
        timeout: float | httpx.Timeout = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "Accept-Language": language},
        )

    @property
    def token(self) -> str | None:
        """The bearer token sent with every request (store it to resume a session later)."""
        return self._token

    @property
    def language(self) -> str:
        """The ``Accept-Language`` sent: the language of the API's error messages."""
        return self._http.headers["Accept-Language"]

    @language.setter
    def language(self, value: str) -> None:
        self._http.headers["Accept-Language"] = value

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: JsonBody | None = None,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, str] | None = None,
        files: Files | None = None,
        model: type[T],
    ) -> T:
        """Send a request and parse the 2xx answer into ``model`` (any type pydantic validates:
        a schema, ``Page[X]``, ``list[X]``, ``dict[str, Any]``).

        Raises :class:`~shared.client.errors.ApiError` (or a subclass) on a 4xx answer and
        :class:`~shared.client.errors.ApiUnavailable` on a 5xx answer or a transport failure.
        GETs are retried once after a transport failure; writes never are (their callers make
        them safe to repeat with idempotency keys or client ids, and decide when to).
        """
        response = await self._send(
            method,
            path,
            json=None if json is None else _json(json),
            params=None if params is None else _query(params),
            data=data,
            files=files,
        )
        if not response.is_success:
            raise error_from_response(response)
        return _adapter(model).validate_json(response.content)

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else None
        retries = 1 if method == "GET" else 0
        while True:
            try:
                return await self._http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                if not retries:
                    raise ApiUnavailable(f"{method} {path}: {exc!r}") from exc
                retries -= 1
