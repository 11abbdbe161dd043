"""Journeys through both channels with the real conversation core against the real backend
(in-process, SQLite and PostgreSQL), the platforms being the recording fake: what a debtor sees
never misstates what happened, however the sends fail."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from backend.debtors import chats
from backend.debtors.models import Debtor
from backend.plans.models import Plan
from backend.tasks.models import Task
from backend.uploads.models import PaymentEvidence
from shared.schemas.enums import Channel, TaskKind
from tests.channels.conftest import (
    Bots,
    run,
    tg_message,
    tg_press,
    wa_body,
    wa_button_reply,
    wa_contact,
    wa_message,
    wa_text,
)
from tests.channels.test_end_to_end import bot_token, buttons_of, chat_token, real_bots

__all__ = ["bot_token", "chat_token"]  # fixtures


def wa_sent(bots: Bots) -> list[dict[str, Any]]:
    return [call.body for call in bots.platforms.of("messages")]


def wa_text_of(body: dict[str, Any]) -> str:
    if body["type"] == "text":
        return body["text"]["body"]
    return body["interactive"]["body"]["text"]


def wa_ids(body: dict[str, Any]) -> list[str]:
    interactive = body.get("interactive") or {}
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        return [b["reply"]["id"] for b in action["buttons"]]
    return [row["id"] for section in action.get("sections", []) for row in section["rows"]]


def test_an_accepted_offer_whose_reply_failed_is_confirmed_again_never_contradicted(
    app: Any, bot_token: str, chat_token: str, session: Session
) -> None:
    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            assert (await bots.whatsapp(wa_text(chat_token, wamid="wamid.J1"))).status_code == 200
            offers = [i for i in wa_ids(wa_sent(bots)[-1]) if i.startswith("offer:")]
            assert len(offers) == 3  # the balance and the three best options at once

            bots.platforms.whatsapp_errors = [131000]  # Meta fails the "¡Listo!" reply
            accept = wa_button_reply(offers[0], "Pago único", wamid="wamid.J2")
            assert (await bots.whatsapp(accept)).status_code == 503
            assert (await bots.whatsapp(accept)).status_code == 200  # Meta redelivers
            confirmed = wa_text_of(wa_sent(bots)[-1])
            assert "Su acuerdo quedó registrado" in confirmed
            assert "No pude completar" not in confirmed

            again = wa_button_reply(offers[0], "Pago único", wamid="wamid.J3")  # a second tap
            assert (await bots.whatsapp(again)).status_code == 200
            second = wa_sent(bots)[-1]
            assert "esa opción ya está aceptada" in wa_text_of(second)
            assert "pay:settlement" in wa_ids(second)

            asked = wa_text("opciones de pago", wamid="wamid.J4")
            assert (await bots.whatsapp(asked)).status_code == 200
            plan = wa_text_of(wa_sent(bots)[-1])
            assert "Ya tiene un plan de pagos activo" in plan and "No pude" not in plan

    run(scenario())
    assert len(session.exec(select(Plan)).all()) == 1


def test_telegram_blocked_by_the_debtor_unlinks_the_chat_until_they_write_again(
    app: Any, bot_token: str, chat_token: str, session: Session
) -> None:
    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            assert (await bots.telegram(tg_message(1, f"/start {chat_token}"))).status_code == 200
            debtor = session.exec(select(Debtor).where(Debtor.first_name == "Ana")).one()
            assert chats.chat_of(session, debtor.id, Channel.telegram) == "42"
            bots.platforms.telegram_blocked.add(42)
            press = tg_press(2, "menu:balance", query_id="q-blocked")
            assert (await bots.telegram(press)).status_code == 200  # not redelivered forever
            session.expire_all()
            assert chats.chat_of(session, debtor.id, Channel.telegram) is None
            bots.platforms.telegram_blocked.clear()  # unblocked, and writes again
            assert (await bots.telegram(tg_message(3, "hola"))).status_code == 200
            session.expire_all()
            assert chats.chat_of(session, debtor.id, Channel.telegram) == "42"
            assert "1,000.00" in bots.platforms.of("sendMessage")[-1].body["text"]

    run(scenario())


def test_a_voucher_photo_is_kept_with_a_task_and_a_voice_note_gets_a_polite_answer(
    app: Any, bot_token: str, chat_token: str, session: Session
) -> None:
    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            assert (await bots.whatsapp(wa_text(chat_token, wamid="wamid.V1"))).status_code == 200
            photo = wa_message(
                "image",
                {"id": "img-1", "mime_type": "image/jpeg", "sha256": "x", "caption": "voucher"},
                wamid="wamid.V2",
            )
            body = wa_body({"contacts": [wa_contact()], "messages": [photo]})
            bots.platforms.whatsapp_errors = [131000]  # the confirmation fails once...
            assert (await bots.whatsapp(body)).status_code == 503
            assert (await bots.whatsapp(body)).status_code == 200  # ...and is sent again
            said = wa_text_of(wa_sent(bots)[-1])
            assert said.startswith("Recibimos su comprobante; lo revisaremos hoy")
            voice = wa_message(
                "audio",
                {"id": "aud-1", "mime_type": "audio/ogg", "sha256": "y", "voice": True},
                wamid="wamid.V3",
            )
            body = wa_body({"contacts": [wa_contact()], "messages": [voice]})
            assert (await bots.whatsapp(body)).status_code == 200
            polite = wa_text_of(wa_sent(bots)[-1])
            assert "no puedo escuchar audios" in polite and "comprobante" in polite

    run(scenario())
    [voucher] = session.exec(select(PaymentEvidence)).all()
    assert voucher.content == b"img-1 bytes" and voucher.caption == "voucher"
    [task] = session.exec(select(Task).where(Task.kind == TaskKind.payment_evidence)).all()
    assert task.account_id == voucher.account_id


def test_an_older_shape_payload_from_the_registered_phone_is_two_steps_from_the_balance(
    app: Any, bot_token: str, chat_token: str, session: Session
) -> None:
    """No language question (the text is clearly Spanish), the ID alone (her phone on file
    writes), and the balance with the options: two messages."""
    debtor = session.exec(select(Debtor).where(Debtor.first_name == "Ana")).one()

    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            first = wa_text("Buenas tardes, quiero saber cuánto debo", user_id=False)
            assert (await bots.whatsapp(first)).status_code == 200
            asked = wa_text_of(wa_sent(bots)[-1])
            assert "número de documento" in asked and "idioma" not in asked
            second = wa_text(f"DNI {debtor.id_number}", user_id=False, wamid="wamid.T2")
            assert (await bots.whatsapp(second)).status_code == 200
            answer = "\n".join(wa_text_of(b) for b in wa_sent(bots)[-2:])
            assert "S/\xa01,000.00" in answer
            assert len([i for i in wa_ids(wa_sent(bots)[-1]) if i.startswith("offer:")]) == 3

    run(scenario())


def test_a_telegram_overview_names_its_options(app: Any, bot_token: str, chat_token: str) -> None:
    async def scenario() -> None:
        async with real_bots(app, bot_token) as bots:
            assert (await bots.telegram(tg_message(1, f"/start {chat_token}"))).status_code == 200
            overview = bots.platforms.of("sendMessage")[-1]
            rows = overview.body["reply_markup"]["inline_keyboard"]
            labels = [
                row[0]["text"]
                for row in rows
                if row[0].get("callback_data", "").startswith("offer:")
            ]
            assert labels[0].startswith("Pago único S/\xa0900.00 hasta el ")
            assert any(" cuotas de S/\xa0" in label for label in labels[1:])
            assert [b for b in buttons_of(overview) if b == "neg:counter"]

    run(scenario())
