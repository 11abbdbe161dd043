"""What the platforms refuse for good is recorded and answered 200 (never redelivered forever);
malformed updates are 400; photos, documents and voice notes reach the core through the real
PTB and pywa (a voucher is downloaded through the library only when the core keeps it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.conftest import (
    WA_USER,
    bots_app,
    run,
    tg_message,
    wa_body,
    wa_contact,
    wa_status,
    wa_text,
)


def test_telegram_a_bot_blocked_by_the_user_is_recorded_and_answered_200() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            bots.platforms.telegram_blocked.add(42)
            response = await bots.telegram(tg_message(1, "hola"))
            assert response.status_code == 200  # Telegram must not redeliver it forever
            assert bots.conversation.settled == [("42:1001", False)]  # the reply is kept
            assert bots.conversation.unreachable_chats == [
                ("telegram", "42", "blocked", "Forbidden: bot was blocked by the user")
            ]
            bots.conversation.failing = True  # the refusal could not be recorded: retry later
            assert (await bots.telegram(tg_message(2, "hola"))).status_code == 503

    run(scenario())


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 7, "message": "not a message"},
        {"update_id": 8, "message": {"message_id": "x"}},
        {"update_id": 9, "callback_query": [1, 2]},
    ],
)
def test_telegram_a_malformed_update_with_the_right_secret_is_400(update: dict[str, Any]) -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            response = await bots.telegram(update)
            assert response.status_code == 400 and response.json()["code"] == "webhook_malformed"
            assert bots.conversation.incoming == []

    run(scenario())


def test_telegram_a_captioned_voucher_photo_is_media_not_a_payment_request() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            update = tg_message(3, "")
            message = update["message"]
            del message["text"]
            message["caption"] = "voucher de pago"
            message["photo"] = [
                {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
                {"file_id": "big", "file_unique_id": "b", "width": 900, "height": 900,
                 "file_size": 20_000},
            ]  # fmt: skip
            assert (await bots.telegram(update)).status_code == 200
            [incoming] = bots.conversation.incoming
            assert incoming.text == "voucher de pago" and incoming.media is not None
            assert (incoming.media.kind, incoming.media.size) == ("image", 20_000)
            assert bots.platforms.of("getFile") == []  # nothing downloaded unless kept
            assert incoming.media.fetch is not None
            assert await incoming.media.fetch() == b"big.jpg bytes"  # the largest size
            assert bots.platforms.of("getFile")[0].body["file_id"] == "big"

    run(scenario())


@pytest.mark.parametrize(
    ("field", "content", "kind"),
    [
        ("voice", {"file_id": "v", "file_unique_id": "v", "duration": 3}, "voice"),
        ("location", {"latitude": -12.05, "longitude": -77.04}, "location"),
        (
            "sticker",
            {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
             "is_video": False, "type": "regular"},
            "sticker",
        ),
    ],
)  # fmt: skip
def test_telegram_voice_notes_stickers_and_locations_reach_the_core(
    field: str, content: dict[str, Any], kind: str
) -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            update = tg_message(4, "")
            del update["message"]["text"]
            update["message"][field] = content
            assert (await bots.telegram(update)).status_code == 200
            [incoming] = bots.conversation.incoming
            assert incoming.media is not None and incoming.media.kind == kind
            assert not incoming.media.is_voucher
            assert len(bots.platforms.of("sendMessage")) == 1  # answered, never silence

    run(scenario())


@pytest.mark.parametrize(("code", "reason"), [(131026, "undeliverable"), (131047, "window_closed")])
def test_whatsapp_a_reply_refused_for_good_is_recorded_and_answered_200(
    code: int, reason: str
) -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            bots.platforms.whatsapp_errors = [code]
            response = await bots.whatsapp(wa_text("hola", wamid="wamid.R1"))
            assert response.status_code == 200  # Meta must not redeliver it
            assert bots.conversation.settled == [("wamid.R1", False)]
            [(channel, user, why, detail)] = bots.conversation.unreachable_chats
            assert (channel, user, why) == ("whatsapp", WA_USER, reason)
            assert detail.startswith(f"whatsapp {code}")

    run(scenario())


def test_whatsapp_a_redelivery_older_than_the_window_is_recorded_not_sent() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            late = wa_text("hola", wamid="wamid.OLD", age=25 * 3600)
            assert (await bots.whatsapp(late)).status_code == 200
            assert bots.platforms.of("messages") == []
            assert bots.conversation.settled == [("wamid.OLD", False)]
            [(_, _, why, _)] = bots.conversation.unreachable_chats
            assert why == "window_closed"

    run(scenario())


def test_whatsapp_failed_statuses_that_cannot_succeed_are_recorded() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            failed = wa_status("failed", wamid="wamid.OUT7", code=131026)
            assert (await bots.whatsapp(failed)).status_code == 200
            [(channel, user, why, _)] = bots.conversation.unreachable_chats
            assert (channel, user, why) == ("whatsapp", WA_USER, "undeliverable")
            other = wa_status("failed", wamid="wamid.OUT8", code=131000)  # worth retrying
            assert (await bots.whatsapp(other)).status_code == 200
            assert len(bots.conversation.unreachable_chats) == 1

    run(scenario())


def test_whatsapp_a_document_is_a_voucher_and_a_reaction_gets_no_answer() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            document = {
                "id": "doc-1",
                "mime_type": "application/pdf",
                "sha256": "x",
                "filename": "voucher.pdf",
            }
            message = {"from": WA_USER, "id": "wamid.DOC", "timestamp": "1", "type": "document"}
            body = wa_body(
                {"contacts": [wa_contact()], "messages": [message | {"document": document}]}
            )
            assert (await bots.whatsapp(body)).status_code == 200
            [incoming] = bots.conversation.incoming
            assert incoming.media is not None and incoming.media.is_voucher
            assert (incoming.media.filename, incoming.media.mime_type) == (
                "voucher.pdf",
                "application/pdf",
            )
            reaction = {"message_id": "wamid.OUT1", "emoji": "👍"}
            liked = {"from": WA_USER, "id": "wamid.LIKE", "timestamp": "1", "type": "reaction"}
            body = wa_body(
                {"contacts": [wa_contact()], "messages": [liked | {"reaction": reaction}]}
            )
            assert (await bots.whatsapp(body)).status_code == 200
            assert len(bots.conversation.incoming) == 1
            assert bots.app.state.bots.whatsapp.stats.unparsed == 0

    run(scenario())
