"""Telegram: Bot API updates into the real PTB Application through the webhook."""

from __future__ import annotations

import asyncio

from bots.core.messages import Button, Incoming, Outgoing
from bots.telegram.__main__ import polling_application, set_webhook
from tests.channels.conftest import (
    TG_TOKEN,
    FakeConversation,
    FakePlatforms,
    bots_app,
    run,
    settings,
    tg_message,
    tg_press,
)

PAY = Outgoing("Tu link de pago:", url="https://pay.cobro.test/l/abc")


def test_text_reaches_the_core_and_the_reply_has_an_inline_keyboard() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            response = await bots.telegram(tg_message(1, "hola"))
            assert response.status_code == 200
            assert bots.conversation.incoming == [
                Incoming(
                    channel="telegram",
                    user_id="42",
                    message_id="42:1001",
                    text="hola",
                    language_hint="es",
                    settles=True,  # the adapter settles after sending: the state is saved then
                )
            ]
            [sent] = bots.platforms.of("sendMessage")
            assert sent.url == f"https://api.telegram.org/bot{TG_TOKEN}/sendMessage"
            assert sent.body["chat_id"] == "42"
            assert sent.body["text"] == "Hola Ana, tu saldo es S/\xa01,250.00."
            assert sent.body["reply_markup"] == {
                "inline_keyboard": [
                    [{"text": "Pagar el saldo total", "callback_data": "pay:balance"}],
                    [{"text": "Ver opciones", "callback_data": "offers"}],
                ]
            }

    run(scenario())


def test_start_with_a_token_is_a_deep_link() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            assert (await bots.telegram(tg_message(2, "/start abc123"))).status_code == 200
            [incoming] = bots.conversation.incoming
            assert (incoming.deep_link, incoming.text) == ("abc123", "")
            assert (await bots.telegram(tg_message(3, "/start"))).status_code == 200
            assert bots.conversation.incoming[1].deep_link is None
            assert bots.conversation.incoming[1].text == "/start"

    run(scenario())


def test_a_press_is_acknowledged_and_becomes_a_choice() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            response = await bots.telegram(tg_press(4, "offer:7f3a", query_id="cq-77"))
            assert response.status_code == 200
            [incoming] = bots.conversation.incoming
            assert (incoming.choice, incoming.text, incoming.message_id) == (
                "offer:7f3a",
                "",
                "cb:cq-77",
            )
            assert incoming.language_hint == "en"
            methods = [call.method for call in bots.platforms.calls]
            assert methods == ["getMe", "answerCallbackQuery", "sendMessage"]
            assert bots.platforms.of("answerCallbackQuery")[0].body == {
                "callback_query_id": "cq-77"
            }

    run(scenario())


def test_a_payment_link_is_a_url_button() -> None:
    async def scenario() -> None:
        async with bots_app(FakeConversation((PAY,))) as bots:
            await bots.telegram(tg_message(5, "pagar"))
            [sent] = bots.platforms.of("sendMessage")
            assert sent.body["reply_markup"] == {
                "inline_keyboard": [
                    [{"text": "🔗 pay.cobro.test", "url": "https://pay.cobro.test/l/abc"}]
                ]
            }

    run(scenario())


def test_forged_updates_are_refused_before_anything_happens() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            for secret in (None, "wrong", ""):
                response = await bots.telegram(tg_message(6, "hola"), secret=secret)
                assert response.status_code == 401
                assert response.json()["code"] == "webhook_unauthorized"
            assert bots.conversation.incoming == []
            assert bots.platforms.calls == []  # not even getMe

    run(scenario())


def test_the_same_update_twice_is_answered_once() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            update = tg_message(7, "hola")
            assert (await bots.telegram(update)).status_code == 200
            assert (await bots.telegram(update)).status_code == 200
            assert len(bots.platforms.of("sendMessage")) == 1
            assert len(bots.conversation.incoming) == 1

    run(scenario())


def test_flood_control_waits_retry_after_and_retries_once() -> None:
    async def scenario() -> None:
        platforms = FakePlatforms(telegram_429=[3])
        async with bots_app(platforms=platforms) as bots:
            limiter = bots.app.state.bots.telegram.application.bot.rate_limiter
            waits: list[float] = []

            async def sleep(seconds: float) -> None:
                waits.append(seconds)

            limiter.sleep = sleep
            assert (await bots.telegram(tg_message(8, "hola"))).status_code == 200
            assert waits == [3.0]
            assert len(platforms.of("sendMessage")) == 2  # the 429, then the message

            platforms.telegram_429 = [1, 1]  # still flooded after the wait: give up, redeliver
            assert (await bots.telegram(tg_message(9, "hola"))).status_code == 503
            assert waits == [3.0, 1.0]

    run(scenario())


def test_a_wait_longer_than_max_wait_is_not_slept() -> None:
    async def scenario() -> None:
        platforms = FakePlatforms(telegram_429=[3600])
        async with bots_app(platforms=platforms) as bots:
            response = await bots.telegram(tg_message(10, "hola"))
            assert response.status_code == 503
            assert len(platforms.of("sendMessage")) == 1

    run(scenario())


def test_group_chats_are_ignored() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            update = tg_message(11, "hola", chat_id=-100200, chat_type="supergroup")
            assert (await bots.telegram(update)).status_code == 200
            assert bots.conversation.incoming == []
            assert bots.platforms.of("sendMessage") == []

    run(scenario())


def test_a_failed_turn_answers_500_and_telegram_s_redelivery_is_answered() -> None:
    async def scenario() -> None:
        conversation = FakeConversation()
        conversation.failing = True
        async with bots_app(conversation) as bots:
            update = tg_message(12, "hola")
            response = await bots.telegram(update)
            assert response.status_code == 503
            assert response.json()["code"] == "update_failed"
            assert bots.platforms.of("sendMessage") == []
            conversation.failing = False
            assert (await bots.telegram(update)).status_code == 200
            assert [delivered for _, delivered in conversation.settled] == [False, True]
            assert len(bots.platforms.of("sendMessage")) == 1

    run(scenario())


def test_malformed_bodies_are_400() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            headers = {"X-Telegram-Bot-Api-Secret-Token": "tg-webhook-secret"}
            for body in (b"not json", b"[]", b'{"message": {}}'):
                response = await bots.http.post("/webhooks/telegram", content=body, headers=headers)
                assert response.status_code == 400

    run(scenario())


def test_a_self_hosted_bot_api_server() -> None:
    async def scenario() -> None:
        custom = settings(telegram_api_base_url="http://tg.internal:8081/")
        async with bots_app(bot_settings=custom) as bots:
            await bots.telegram(tg_message(13, "hola"))
            urls = {call.url for call in bots.platforms.calls}
            assert urls == {
                f"http://tg.internal:8081/bot{TG_TOKEN}/getMe",
                f"http://tg.internal:8081/bot{TG_TOKEN}/sendMessage",
            }

    run(scenario())


def test_an_overlong_button_id_fails_before_sending() -> None:
    async def scenario() -> None:
        bad = Outgoing("Elige", buttons=(Button("ok", "OK"), Button("x" * 65, "Demasiado")))
        async with bots_app(FakeConversation((Outgoing("Hola"), bad))) as bots:
            assert (await bots.telegram(tg_message(14, "hola"))).status_code == 503
            assert bots.platforms.of("sendMessage") == []

    run(scenario())


def test_polling_mode_feeds_the_same_handlers() -> None:
    async def scenario() -> None:
        conversation = FakeConversation()
        platforms = FakePlatforms(telegram_updates=[tg_message(20, "hola")])
        application = polling_application(settings(), conversation.factory, transport=platforms)
        async with application:
            await application.updater.start_polling(poll_interval=0.01)
            await application.start()
            for _ in range(200):
                if platforms.of("sendMessage"):
                    break
                await asyncio.sleep(0.01)
            await application.updater.stop()
            await application.stop()
        assert [i.text for i in conversation.incoming] == ["hola"]
        assert "deleteWebhook" in [call.method for call in platforms.calls]
        assert len(platforms.of("sendMessage")) == 1

    run(scenario())


def test_set_webhook_points_telegram_at_the_backend() -> None:
    async def scenario() -> None:
        platforms = FakePlatforms()
        custom = settings(public_url="https://cobro.example.com")
        url = await set_webhook(custom, transport=platforms)
        assert url == "https://cobro.example.com/webhooks/telegram"
        [call] = platforms.of("setWebhook")
        assert call.body == {
            "url": url,
            "secret_token": "tg-webhook-secret",
            "allowed_updates": ["message", "callback_query"],
        }

    run(scenario())


def test_a_reply_that_could_not_be_sent_is_answered_on_redelivery() -> None:
    async def scenario() -> None:
        platforms = FakePlatforms(telegram_429=[3600])  # sending fails: too long to wait
        async with bots_app(platforms=platforms) as bots:
            update = tg_message(12, "hola")
            assert (await bots.telegram(update)).status_code == 503
            platforms.telegram_429 = []
            assert (await bots.telegram(update)).status_code == 200  # Telegram's retry
            assert [delivered for _, delivered in bots.conversation.settled] == [False, True]
            assert len(platforms.of("sendMessage")) == 2  # the failed send, then the reply

    run(scenario())
