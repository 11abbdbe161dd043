"""Failures below the API: transport errors and 5xx answers are ``ApiUnavailable``."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from shared.client import ApiError, ApiUnavailable, CobroClient
from shared.schemas.enums import ActionChannel


def _client(handler) -> tuple[CobroClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return CobroClient("http://cobro.test", transport=httpx.MockTransport(record)), seen


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def test_connect_error_is_unavailable_and_a_get_is_tried_twice() -> None:
    api, seen = _client(_refuse)

    async def scenario() -> None:
        async with api:
            with pytest.raises(ApiUnavailable) as down:
                await api.get_account(uuid.uuid4())
            assert down.value.status is None
            assert isinstance(down.value.__cause__, httpx.ConnectError)

    asyncio.run(scenario())
    assert [r.method for r in seen] == ["GET", "GET"]


def test_a_write_is_never_retried() -> None:
    api, seen = _client(_refuse)

    async def scenario() -> None:
        async with api:
            with pytest.raises(ApiUnavailable):
                await api.create_offers(uuid.uuid4(), channel=ActionChannel.agent)

    asyncio.run(scenario())
    assert [r.method for r in seen] == ["POST"]


def test_a_get_succeeds_when_the_retry_does() -> None:
    def flaky(request: httpx.Request) -> httpx.Response:
        if len(seen) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"status": "ok"})

    api, seen = _client(flaky)

    async def scenario() -> None:
        async with api:
            assert await api.health() == {"status": "ok"}

    asyncio.run(scenario())
    assert len(seen) == 2


def test_5xx_is_unavailable_with_its_status_and_code() -> None:
    api, _ = _client(
        lambda _: httpx.Response(503, json={"code": "database_unreachable", "message": "down"})
    )

    async def scenario() -> None:
        async with api:
            with pytest.raises(ApiUnavailable) as down:
                await api.health()
            assert (down.value.status, down.value.code, down.value.message) == (
                503,
                "database_unreachable",
                "down",
            )

    asyncio.run(scenario())


def test_a_refusal_without_a_json_body_still_maps() -> None:
    api, _ = _client(lambda _: httpx.Response(418, text="<html>teapot</html>"))

    async def scenario() -> None:
        async with api:
            with pytest.raises(ApiError) as refused:
                await api.me()
            assert (refused.value.status, refused.value.code) == (418, "http_418")
            assert refused.value.message == "I'm a teapot" and refused.value.details is None

    asyncio.run(scenario())
