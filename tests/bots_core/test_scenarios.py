"""Whole conversations through ``ConversationCore`` against the real backend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from backend.conversations import links
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.creditors.models import Portfolio
from backend.plans.models import Plan, PlanInstalment
from backend.promises.models import Promise
from backend.tasks.models import Task
from shared.schemas.enums import InstalmentStatus, PlanStatus, TaskKind
from tests import builders as b
from tests.bots_core.conftest import (
    ID_NUMBER,
    PHONE,
    Scenario,
    Seeded,
    World,
    button,
    buttons,
    text,
)

SCRIPT = {
    "es": {
        "balance": "S/\xa01,200.00",
        "offers": "opciones de pago",
        "too_little": "puedo pagar 100 al mes",
        "count": "6 cuotas",
        "yes": "sí",
        "plan": "¿cómo va mi plan?",
        "welcome": "Gracias, Rosa",
        "counter": "No puedo aprobar esa propuesta",
        "accepted": "Buenas noticias",
        "agreed": "Su acuerdo quedó registrado",
        "down": "S/\xa0120.00",
        "status": "1 de 7 pagos hechos (S/\xa0120.00 de S/\xa01,200.00)",
        "next": "Próxima cuota: N.º 1, S/\xa0180.00",
    },
    "en": {
        "balance": "S/\xa01,200.00",
        "offers": "payment options",
        "too_little": "I can pay 100 a month",
        "count": "in 6 instalments",
        "yes": "yes",
        "plan": "how is my plan going?",
        "welcome": "Thank you, Rosa",
        "counter": "I can't approve that proposal",
        "accepted": "Good news",
        "agreed": "Your agreement is recorded",
        "down": "S/\xa0120.00",
        "status": "1 of 7 payments made (S/\xa0120.00 of S/\xa01,200.00)",
        "next": "Next instalment: #1, S/\xa0180.00",
    },
}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_verify_negotiate_pay_and_see_the_plan_advance(
    run: Callable[[Scenario], None], session: Session, seeded: Seeded, builtin_provider, lang
) -> None:
    say = SCRIPT[lang]

    async def scenario(world: World) -> None:
        rosa = world.person()
        assert button(await rosa.send("hola"), "lang:") and "Cobro" in text(rosa.last)
        await rosa.press(f"lang:{lang}")
        await rosa.send(ID_NUMBER)
        reply = await rosa.send(PHONE[-4:])
        # Verified: the balance and the three best options at once, each one tap away.
        assert say["welcome"] in text(reply) and say["balance"] in text(reply)
        assert sum(b.startswith("offer:") for b in buttons(reply)) == 3
        await world.restart(rosa)  # the conversation lives in the backend
        assert say["balance"] in text(await rosa.send(choice="menu:balance"))
        offers = await rosa.send(say["offers"])
        assert sum(b.startswith("offer:") for b in buttons(offers)) >= 2
        assert say["counter"] in text(await rosa.send(say["too_little"]))
        accepted = await rosa.send(say["count"])
        assert say["accepted"] in text(accepted) and button(accepted, "offer:")
        agreed = await rosa.send(say["yes"])
        assert say["agreed"] in text(agreed) and say["down"] in text(agreed)
        link = await rosa.press("pay:instalment")
        url = link.messages[0].url
        assert url and url in text(link) and say["down"] in text(link)
        await world.pay(url)
        status = text(await rosa.send(say["plan"]))
        assert say["status"] in status and say["next"] in status

    run(scenario)
    plan = session.exec(select(Plan).where(Plan.account_id == seeded.account.id)).one()
    assert plan.status == PlanStatus.active and plan.channel == "telegram"
    rows = session.exec(
        select(PlanInstalment)
        .where(PlanInstalment.plan_id == plan.id)
        .order_by(PlanInstalment.number)
    ).all()
    assert [r.status for r in rows[:2]] == [InstalmentStatus.paid, InstalmentStatus.pending]


def test_three_wrong_verifications_pause_this_chat_and_a_person_can_call(
    run, session: Session, seeded: Seeded
) -> None:
    async def scenario(world: World) -> None:
        mallory = world.person(channel="whatsapp", user_id="51999999999")
        await mallory.send("hola")
        await mallory.press("lang:es")
        for attempt, left in ((1, "Le quedan 2 intentos"), (2, "Le queda 1 intento.")):
            await mallory.send(ID_NUMBER)
            assert left in text(await mallory.send(f"000{attempt}")), attempt
        await mallory.send(ID_NUMBER)
        locked = await mallory.send("0003")
        assert "de nuevo en 5 minutos" in text(locked) and "menu:agent" in buttons(locked)
        assert "enlace" not in text(locked)  # no link was ever sent to this chat
        again = text(await mallory.send(ID_NUMBER))  # not asked for the second factor
        assert "en pausa" in again and "últimos 4 dígitos" not in again
        assert "Rosa" not in again and "1,200" not in again
        asked = text(await mallory.press("menu:agent"))
        assert "Si sus datos coinciden con nuestros registros, un asesor le llamará" in asked
        # The owner, on their own phone, is not locked out by someone else's failures.
        rosa = world.person(channel="whatsapp", user_id=PHONE.lstrip("+"))
        await rosa.send("Buenas tardes, quiero saber cuánto debo")
        assert "S/\xa01,200.00" in text(await rosa.send(f"DNI {ID_NUMBER}"))

    run(scenario)
    [task] = session.exec(select(Task).where(Task.kind == TaskKind.callback_request)).all()
    assert task.account_id == seeded.account.id and task.payload["contact"] == "51999999999"


def test_the_same_message_delivered_twice_answers_once(run, seeded: Seeded) -> None:
    async def scenario(world: World) -> None:
        rosa = world.person()
        first = await rosa.send("hola", message_id="wamid.1")
        again = await rosa.send("hola", message_id="wamid.1")
        assert first.messages and not first.duplicate
        assert again.duplicate and again.messages == []

    run(scenario)


def test_unknown_input_gets_the_options_and_nothing_before_verification(
    run, seeded: Seeded
) -> None:
    async def scenario(world: World) -> None:
        rosa = world.person(hint="en-US")
        await rosa.send("hi")
        asked = text(await rosa.send("how much do I owe?"))
        assert "ID document number" in asked and "1,200" not in asked
        confused = text(await rosa.send("banana"))
        assert "didn't understand" in confused and "ID number" in confused
        await rosa.send(ID_NUMBER)
        # The question asked before verifying is answered right after it.
        assert "S/\xa01,200.00" in text(await rosa.send("15/03/1985"))
        reply = await rosa.send("xyzzy")  # anything: the balance and the options again
        assert "S/\xa01,200.00" in text(reply) and "menu:pay" in buttons(reply)
        assert button(reply, "offer:")

    run(scenario)


def test_chat_link_promise_and_payment_of_the_promise(
    run, client, session: Session, seeded: Seeded, builtin_provider
) -> None:
    made = client.post(
        f"/api/v1/debtors/{seeded.debtor.id}/chat-link", headers=b.headers(seeded.agent), json={}
    )
    token = made.json()["token"]

    async def scenario(world: World) -> None:
        rosa = world.person(channel="whatsapp", user_id="51987654321")
        welcome = text(await rosa.send(token))  # wa.me prefilled text
        assert "Thank you, Rosa" in welcome  # her preferred language, no typing
        confirm = text(await rosa.send("I will pay 300 on the 1st"))
        assert "Do you confirm you will pay S/\xa0300.00" in confirm
        done = await rosa.send("yes")
        assert "Your promise to pay S/\xa0300.00" in text(done)
        link = await rosa.press("pay:promise")
        await world.pay(link.messages[0].url or "")
        assert "S/\xa0900.00" in text(await rosa.send("balance"))

    run(scenario)
    promise = session.exec(select(Promise).where(Promise.account_id == seeded.account.id)).one()
    assert promise.status == "kept" and promise.recorded_by_kind == "bot"


def test_a_chat_link_used_in_another_chat_is_refused_and_the_bot_asks_for_the_id(
    run, seeded: Seeded
) -> None:
    token = links.sign(seeded.debtor.id, utcnow() + timedelta(hours=1), get_settings().secret_key)

    async def scenario(world: World) -> None:
        owner = world.person(user_id="111")
        assert "Rosa" in text(await owner.send(deep_link=token))
        other = world.person(user_id="222")
        reply = text(await other.send(deep_link=token))
        assert "ya se usó en otro chat" in reply  # a stranger: the default language
        assert "Escriba su número de documento" in reply
        assert "Rosa" not in reply and "1,200" not in reply

    run(scenario)


def test_agent_handoff_and_opt_out(run, session: Session, seeded: Seeded) -> None:
    async def scenario(world: World) -> None:
        rosa = world.person(channel="whatsapp", user_id="51987654321")
        await rosa.send("quiero hablar con un asesor")
        # Clearly Spanish: no language question; her phone on file: the ID is enough.
        assert "un asesor se comunique" in text(await rosa.send(ID_NUMBER))
        assert "No le enviaremos más mensajes" in text(await rosa.send("BAJA"))
        ignored = await rosa.send("cuánto debo")
        assert "escriba ALTA" in text(ignored) and not buttons(ignored)
        assert "Bienvenido de vuelta" in text(await rosa.send("ALTA"))

    run(scenario)
    task = session.exec(select(Task).where(Task.account_id == seeded.account.id)).one()
    assert task.kind == TaskKind.callback_request and task.assignee_id == seeded.agent.id
    session.refresh(seeded.debtor)
    assert seeded.debtor.opt_outs == []  # opted out, then back in


def test_several_accounts_pick_one(run, session: Session, seeded: Seeded) -> None:
    portfolio = session.get(Portfolio, seeded.account.portfolio_id)
    second = b.account(session, portfolio, owner=seeded.debtor, principal=45_050)

    async def scenario(world: World) -> None:
        rosa = world.person()
        await rosa.send("hola")
        await rosa.press("lang:es")
        await rosa.send(ID_NUMBER)
        await rosa.send(PHONE[-4:])
        which = await rosa.send("pagaré 100 el 15/12")  # which account? then read again
        assert "2 cuentas" in text(which) and f"acct:{second.id}" in buttons(which)
        confirm = await rosa.send(choice=f"acct:{second.id}")
        assert "pagará S/\xa0100.00 el 15/12/" in text(confirm)
        listing = await rosa.send("saldo")
        assert "S/\xa01,200.00" in text(listing) and "S/\xa0450.50" in text(listing)
        detail = await rosa.send(choice=f"acct:{seeded.account.id}")
        assert "es S/\xa01,200.00" in text(detail)

    run(scenario)
