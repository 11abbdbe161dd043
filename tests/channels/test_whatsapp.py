"""WhatsApp: signed Cloud API webhook bodies into the real pywa client through the webhook."""

from __future__ import annotations

from bots.core.messages import Button, Incoming, Outgoing
from tests.channels.conftest import (
    WA_PHONE_ID,
    WA_USER,
    WA_VERIFY,
    FakeConversation,
    bots_app,
    run,
    settings,
    sign,
    wa_body,
    wa_button_reply,
    wa_contact,
    wa_list_reply,
    wa_message,
    wa_status,
    wa_text,
)

GRAPH = "https://graph.facebook.com"
OFFERS = Outgoing(
    "Estas son tus opciones:",
    buttons=tuple(Button(f"offer:{n}", f"{n} cuotas de S/ {1250 / n:,.2f}") for n in range(1, 6)),
    list_title="Opciones de pago",
)


def messages_url(base: str = GRAPH) -> str:
    return f"{base}/v26.0/{WA_PHONE_ID}/messages"


def test_the_handshake_echoes_the_challenge_only_for_the_verify_token() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            params = {
                "hub.mode": "subscribe",
                "hub.verify_token": WA_VERIFY,
                "hub.challenge": "987",
            }
            response = await bots.http.get("/webhooks/whatsapp", params=params)
            assert (response.status_code, response.text) == (200, "987")
            wrong = params | {"hub.verify_token": "guess"}
            assert (await bots.http.get("/webhooks/whatsapp", params=wrong)).status_code == 403

    run(scenario())


def test_text_reaches_the_core_and_the_reply_has_reply_buttons() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            response = await bots.whatsapp(wa_text("hola", wamid="wamid.A1"))
            assert response.status_code == 200
            assert bots.conversation.incoming == [
                Incoming(
                    channel="whatsapp",
                    user_id=WA_USER,
                    message_id="wamid.A1",
                    text="hola",
                    settles=True,  # the adapter settles after sending: the state is saved then
                )
            ]
            [sent] = bots.platforms.calls
            assert sent.url == messages_url()
            assert sent.headers["authorization"] == "Bearer wa-token"
            assert sent.body["to"] == WA_USER  # addressed by phone, not by "recipient"
            assert "recipient" not in sent.body
            assert sent.body["type"] == "interactive"
            interactive = sent.body["interactive"]
            assert interactive["type"] == "button"
            assert interactive["body"] == {"text": "Hola Ana, tu saldo es S/\xa01,250.00."}
            assert interactive["action"]["buttons"] == [
                {"type": "reply", "reply": {"id": "pay:balance", "title": "Pagar el saldo total"}},
                {"type": "reply", "reply": {"id": "offers", "title": "Ver opciones"}},
            ]

    run(scenario())


def test_button_and_list_replies_become_choices() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            await bots.whatsapp(wa_button_reply("pay:balance", "Pagar", wamid="wamid.B1"))
            await bots.whatsapp(wa_list_reply("offer:3", "3 cuotas", wamid="wamid.B2"))
            choices = [(i.choice, i.text, i.message_id) for i in bots.conversation.incoming]
            assert choices == [("pay:balance", "", "wamid.B1"), ("offer:3", "", "wamid.B2")]
            assert len(bots.platforms.calls) == 2

    run(scenario())


def test_more_than_three_options_are_a_list() -> None:
    async def scenario() -> None:
        async with bots_app(FakeConversation((OFFERS,))) as bots:
            await bots.whatsapp(wa_text("opciones"))
            [sent] = bots.platforms.calls
            interactive = sent.body["interactive"]
            assert interactive["type"] == "list"
            action = interactive["action"]
            assert action["button"] == "Opciones de pago"
            [section] = action["sections"]
            assert [row["id"] for row in section["rows"]] == [f"offer:{n}" for n in range(1, 6)]
            assert section["rows"][0] == {"id": "offer:1", "title": "1 cuotas de S/ 1,250.00"}

    run(scenario())


def test_a_payment_link_alone_is_a_url_button() -> None:
    async def scenario() -> None:
        link = Outgoing("Paga aquí:", url="https://pay.cobro.test/l/abc")
        async with bots_app(FakeConversation((link,))) as bots:
            await bots.whatsapp(wa_text("pagar"))
            [sent] = bots.platforms.calls
            interactive = sent.body["interactive"]
            assert interactive["type"] == "cta_url"
            assert interactive["action"] == {
                "name": "cta_url",
                "parameters": {"display_text": "🔗 pay.cobro.test", "url": link.url},
            }

    run(scenario())


def test_forged_updates_are_refused_unread() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            body = wa_text("hola")
            assert (await bots.whatsapp(body, signature=None)).status_code == 401
            assert (await bots.whatsapp(body, signature=sign(body, "other"))).status_code == 403
            assert (await bots.whatsapp(body, signature="sha256=zz")).status_code == 403
            tampered = body.replace(b"hola", b"chau")
            assert (await bots.whatsapp(tampered, signature=sign(body))).status_code == 403
            assert bots.conversation.incoming == []
            assert bots.platforms.calls == []
            assert bots.app.state.bots.whatsapp.stats.rejected == 4

    run(scenario())


def test_the_same_webhook_twice_is_answered_once() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            body = wa_text("hola", wamid="wamid.D1")
            assert (await bots.whatsapp(body)).status_code == 200
            assert (await bots.whatsapp(body)).status_code == 200
            assert len(bots.platforms.calls) == 1
            assert len(bots.conversation.incoming) == 1

    run(scenario())


def test_older_payloads_without_user_id_are_read_and_answered() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            response = await bots.whatsapp(wa_text("hola", user_id=False, wamid="wamid.OLD1"))
            assert response.status_code == 200
            [incoming] = bots.conversation.incoming
            assert (incoming.user_id, incoming.message_id, incoming.text) == (
                WA_USER,
                "wamid.OLD1",
                "hola",
            )
            [sent] = bots.platforms.calls
            assert sent.body["to"] == WA_USER
            assert bots.app.state.bots.whatsapp.stats.unparsed == 0

    run(scenario())


def test_every_message_of_a_batch_is_answered() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            other = {"profile": {"name": "Luis"}, "wa_id": "51911111111"}
            first = wa_message("text", {"body": "hola"}, wamid="wamid.M1")
            second = wa_message("text", {"body": "saldo"}, wamid="wamid.M2") | {
                "from": "51911111111"
            }
            body = wa_body(
                {"contacts": [wa_contact(user_id=False), other], "messages": [first, second]}
            )
            assert (await bots.whatsapp(body)).status_code == 200
            got = [(i.user_id, i.message_id, i.text) for i in bots.conversation.incoming]
            assert got == [(WA_USER, "wamid.M1", "hola"), ("51911111111", "wamid.M2", "saldo")]
            assert [c.body["to"] for c in bots.platforms.calls] == [WA_USER, "51911111111"]

    run(scenario())


def test_a_signed_but_malformed_envelope_answers_400() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            for body in (
                b"not json",
                b"[]",
                b'{"object": "whatsapp_business_account"}',
                b'{"entry": [{"changes": "x"}]}',
                b'{"entry": [{"changes": [{"value": {"messages": ["x"]}}]}]}',
                b'{"entry": [{"changes": [{"value": {"messages": [{"from": "1"}]}}]}]}',
            ):
                response = await bots.whatsapp(body)
                assert response.status_code == 400, body
            assert bots.conversation.incoming == [] and bots.platforms.calls == []
            assert bots.app.state.bots.whatsapp.stats.malformed == 6

    run(scenario())


def test_failed_deliveries_are_recorded_from_raw_updates() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            for status in ("sent", "delivered", "read"):
                assert (await bots.whatsapp(wa_status(status))).status_code == 200
            stats = bots.app.state.bots.whatsapp.stats
            assert stats.failed_deliveries == 0
            failed = wa_status("failed", wamid="wamid.OUT9", code=131047)
            assert (await bots.whatsapp(failed)).status_code == 200
            assert stats.failed_deliveries == 1
            [failure] = stats.recent_failures
            assert (failure.message_id, failure.recipient, failure.code) == (
                "wamid.OUT9",
                WA_USER,
                131047,
            )
            assert stats.unparsed == 0
            assert bots.conversation.incoming == []

    run(scenario())


def test_delivery_statuses_are_relayed_and_a_failed_relay_answers_500() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            assert (await bots.whatsapp(wa_status("delivered"))).status_code == 200
            failed = wa_status("failed", wamid="wamid.OUT9", code=131047)
            assert (await bots.whatsapp(failed)).status_code == 200
            relayed = [(r.message_id, r.status) for r in bots.conversation.reports]
            assert relayed == [("wamid.OUT1", "delivered"), ("wamid.OUT9", "failed")]
            assert bots.conversation.reports[1].error == "whatsapp 131047: ..."

            bots.conversation.failing = True  # the backend is down: Meta must try again
            assert (await bots.whatsapp(wa_status("read"))).status_code == 503
            bots.conversation.failing = False
            assert (await bots.whatsapp(wa_status("read"))).status_code == 200
            assert bots.conversation.reports[-1].status == "read"
            assert len(bots.conversation.reports) == 3

    run(scenario())


def test_updates_for_another_number_are_ignored() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            body = wa_text("hola").replace(WA_PHONE_ID.encode(), b"5550000000")
            assert (await bots.whatsapp(body)).status_code == 200
            assert bots.conversation.incoming == []
            assert bots.app.state.bots.whatsapp.stats.unparsed == 0

    run(scenario())


def test_media_reach_the_core_and_a_voucher_is_downloaded_only_when_kept() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            image = wa_message(
                "image",
                {"id": "media-1", "mime_type": "image/jpeg", "sha256": "x", "caption": "voucher"},
                wamid="wamid.IMG",
            )
            voice = wa_message(
                "audio",
                {"id": "media-2", "mime_type": "audio/ogg", "sha256": "y", "voice": True},
                wamid="wamid.V",
            )
            sticker = wa_message(
                "sticker", {"id": "media-3", "mime_type": "image/webp", "sha256": "z"}
            )
            for message in (image, voice, sticker | {"id": "wamid.S"}):
                body = wa_body({"contacts": [wa_contact()], "messages": [message]})
                assert (await bots.whatsapp(body)).status_code == 200
            photo, note, stuck = bots.conversation.incoming
            assert photo.text == "voucher" and photo.media is not None
            assert (photo.media.kind, photo.media.mime_type) == ("image", "image/jpeg")
            assert photo.media.is_voucher and not note.media.is_voucher  # type: ignore[union-attr]
            assert (note.media.kind, stuck.media.kind) == ("voice", "sticker")  # type: ignore[union-attr]
            assert bots.platforms.of("media-1") == []  # nothing downloaded unless kept
            assert await photo.media.fetch() == b"media-1 bytes"  # type: ignore[misc]
            assert [c.method for c in bots.platforms.calls if "media" in c.url] == [
                "media-1",
                "download",
            ]
            assert len(bots.platforms.of("messages")) == 3  # every one answered

    run(scenario())


def test_a_failed_turn_answers_500_and_meta_s_redelivery_is_answered() -> None:
    async def scenario() -> None:
        conversation = FakeConversation()
        conversation.failing = True
        async with bots_app(conversation) as bots:
            body = wa_text("hola")
            response = await bots.whatsapp(body)
            assert response.status_code == 503
            assert bots.platforms.calls == []  # no apology sent: the message comes back
            conversation.failing = False
            assert (await bots.whatsapp(body)).status_code == 200
            assert [delivered for _, delivered in conversation.settled] == [False, True]
            assert len(bots.platforms.calls) == 1

    run(scenario())


def test_a_redelivery_older_than_the_window_gets_no_free_form_reply() -> None:
    async def scenario() -> None:
        async with bots_app() as bots:
            late = wa_text("hola", wamid="wamid.OLD", age=25 * 3600)
            assert (await bots.whatsapp(late)).status_code == 200
            assert len(bots.conversation.incoming) == 1  # the core still learns of it
            assert bots.platforms.calls == []

    run(scenario())


def test_a_configured_api_base_url_receives_the_calls() -> None:
    async def scenario() -> None:
        custom = settings(whatsapp_api_base_url="http://graph.internal:9000/meta/")
        async with bots_app(bot_settings=custom) as bots:
            await bots.whatsapp(wa_text("hola"))
            [sent] = bots.platforms.calls
            assert sent.url == messages_url("http://graph.internal:9000/meta")
            assert sent.headers["host"] == "graph.internal:9000"

    run(scenario())
