"""A turn the backend could not serve asks for redelivery instead of dropping the message."""

from __future__ import annotations

import asyncio

import httpx

from bots.core.engine import ConversationCore
from bots.core.messages import Incoming


def _core(handler) -> ConversationCore:
    return ConversationCore.connect(
        "http://cobro.test", token="t", transport=httpx.MockTransport(handler)
    )


def _turn(core: ConversationCore) -> object:
    async def run() -> object:
        try:
            return await core.handle(Incoming("whatsapp", "51987000001", "m-1", text="saldo"))
        finally:
            await core.aclose()

    return asyncio.run(run())


def test_an_api_answering_5xx_makes_the_turn_retryable() -> None:
    body = {"code": "database_unavailable", "message": "busy"}
    reply = _turn(_core(lambda _: httpx.Response(503, json=body)))
    assert reply.retry and not reply.duplicate
    assert reply.messages  # channels that cannot redeliver still show an apology


def test_an_unreachable_api_makes_the_turn_retryable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert _turn(_core(refuse)).retry


def test_a_turn_that_fails_after_its_claim_is_retryable() -> None:
    def claim_then_fail(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/inbox"):
            return httpx.Response(200, json={"duplicate": False})
        return httpx.Response(500, json={"code": "internal_error", "message": "boom"})

    assert _turn(_core(claim_then_fail)).retry
