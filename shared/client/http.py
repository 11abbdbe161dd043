"""The connection every domain of the API shares: base URL, tokens, language, errors, retries.

Domain mixins add one short method per endpoint on top of :meth:`HttpClient._request`, which
sends the request and parses a 2xx answer into the given model or raises (see ``errors``).

Access tokens live minutes. When the API answers 401 to a request, the client renews the token
once and sends the request again, transparently: with the refresh token a login gave it
(``POST /auth/refresh``; the spent token is replaced, and ``on_tokens`` is told so the caller
can store the new pair), or with the ``renew`` callback of a service client (the backend's
in-process bots mint a new credential). Only one renewal runs at a time; requests that failed
meanwhile reuse its result. A request refused with 401 was not carried out, so sending it again
is safe even for writes. If the session itself ended (password changed, refresh token expired
or revoked), the request's own 401 is raised and the refresh token is forgotten; if the API
cannot be reached while renewing, ``ApiUnavailable`` is raised and the session stays as it was.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from shared.client.errors import ApiUnavailable, AuthError, error_from_response
from shared.schemas.auth import RefreshRequest, Token

V1 = "/api/v1"
AUTH = f"{V1}/auth/"

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
    sent as ``Accept-Language``; ``token`` and ``refresh_token`` resume a stored session
    (``on_tokens`` is awaited with each renewed pair: store it); ``renew`` gives a new access
    token to a client without a refresh token (a service identity). ``headers`` are sent with
    every request. Pass ``transport`` to talk to an app in-process
    (``httpx.ASGITransport(app=app)``) or to a mock in tests. Use as ``async with``, or call
    :meth:`aclose` when done.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        refresh_token: str | None = None,
        renew: Callable[[], Awaitable[str]] | None = None,
        on_tokens: Callable[[Token], Awaitable[None]] | None = None,
        language: str = "es",
        timeout: float | httpx.Timeout = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._token = token
        self._refresh_token = refresh_token
        self._renew = renew
        self.on_tokens = on_tokens
        self._renewing = asyncio.Lock()
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Accept": "application/json",
                "Accept-Language": language,
                **(headers or {}),
            },
        )

    @property
    def token(self) -> str | None:
        """The bearer token sent with every request (store it to resume a session later)."""
        return self._token

    @property
    def refresh_token(self) -> str | None:
        """The refresh token that renews :attr:`token` (store it with the token)."""
        return self._refresh_token

    def _use(self, token: Token) -> None:
        self._token = token.access_token
        self._refresh_token = token.refresh_token

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
        them safe to repeat with idempotency keys or client ids, and decide when to). A 401 is
        met by renewing the access token once (see the module doc).
        """
        arguments: dict[str, Any] = {
            "json": None if json is None else _json(json),
            "params": None if params is None else _query(params),
            "data": data,
            "files": files,
        }
        sent_with = self._token
        response = await self._send(method, path, **arguments)
        if (
            response.status_code == 401
            and not path.startswith(AUTH)
            and await self._renewed(sent_with)
        ):
            response = await self._send(method, path, **arguments)
        if not response.is_success:
            raise error_from_response(response)
        if not response.content:  # 204
            return _adapter(model).validate_python(None)
        return _adapter(model).validate_json(response.content)

    async def _download(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
    ) -> bytes:
        """``_request`` for answers that are files (a PDF): the body as it came."""
        response = await self._send(method, path, params=None if params is None else _query(params))
        if not response.is_success:
            raise error_from_response(response)
        return response.content

    async def _renewed(self, refused: str | None) -> bool:
        """Get a new access token after ``refused`` was refused; whether there is one."""
        async with self._renewing:
            if self._token != refused:  # renewed meanwhile by another request
                return self._token is not None
            if self._refresh_token is not None:
                try:
                    token = await self._request(
                        "POST",
                        f"{AUTH}refresh",
                        json=RefreshRequest(refresh_token=self._refresh_token),
                        model=Token,
                    )
                except AuthError:  # the session ended: log in again
                    self._refresh_token = None
                    return False
                self._use(token)
                if self.on_tokens is not None:
                    await self.on_tokens(token)
                return True
            if self._renew is not None:
                self._token = await self._renew()
                return True
            return False

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
