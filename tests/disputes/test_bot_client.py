"""The bots' side through the typed client (``shared.client.bot``), in-process: a voucher
photo, a dispute, its outcome shown once, and the documents as PDFs."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlmodel import Session

from shared.client import ApiError
from shared.client.bot import BotApi
from shared.schemas.enums import DisputeReason, Language
from tests.client.conftest import token_of
from tests.disputes.conftest import World, field_payment, resolve, verify


def test_a_dispute_and_the_documents_through_the_client(
    app, client, session: Session, world: World
) -> None:
    verify(client, world)  # the chat "1001" on Telegram
    api = BotApi.connect(
        "http://cobro.test", token=token_of(world.bot), transport=httpx.ASGITransport(app=app)
    )
    chat = api.chat("telegram", "1001")

    async def open_it() -> str:
        photo = await chat.send_evidence(
            world.account.id,
            filename="voucher.jpg",
            content=b"\xff\xd8jpeg",
            content_type="image/jpeg",
        )
        opened = await chat.dispute(
            world.account.id,
            reason=DisputeReason.already_paid,
            statement="Ya pagué, adjunto el voucher",
            message_id="tg-55",
            language=Language.es,
            evidence=[photo.id],
        )
        replay = await chat.dispute(
            world.account.id,
            reason=DisputeReason.already_paid,
            statement="Ya pagué, adjunto el voucher",
            message_id="tg-55",
            language=Language.es,
        )
        assert replay.id == opened.id and opened.status == "open"
        assert "a más tardar el" in opened.message.text
        return str(opened.id)

    dispute_id = asyncio.run(open_it())
    field_payment(client, world, "1200.00")  # the agent books the voucher's payment
    assert resolve(client, world.supervisor, dispute_id, "upheld").status_code == 200

    async def outcome_and_documents() -> None:
        [notice] = await chat.notices(Language.en)
        assert "you owe nothing" in notice.message.text
        await chat.notice_shown(notice.id)
        assert await chat.notices(Language.en) == []
        [payment] = await chat.payments(world.account.id)
        receipt = await chat.receipt_pdf(payment.id, Language.es)
        certificate = await chat.certificate(world.account.id)
        assert certificate.valid and certificate.basis == "paid"
        document = await chat.certificate_pdf(world.account.id, Language.en)
        assert receipt.startswith(b"%PDF-") and document.startswith(b"%PDF-")
        with pytest.raises(ApiError) as missing:
            await chat.schedule_pdf(world.account.id, Language.es)
        assert missing.value.code == "no_plan"
        await api.aclose()

    asyncio.run(outcome_and_documents())
