"""Understanding debtors, through ``ConversationCore`` against the real backend: what a
counter-proposal asks for is kept (its first date, the day of the month, the down payment) or
the closest allowed date is said; vouchers are kept and voice notes answered; the language of
a first message and national IDs as people type them; dates day first for a Peruvian writing
English. Rosa owes S/ 1,200.00 to a Lima portfolio whose first payment must fall within 10 days
(``tests/plans/helpers.py``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from backend.conversations.models import VerificationFailure
from backend.creditors.models import Portfolio
from backend.plans.models import Plan, PlanInstalment
from backend.tasks.models import Task
from backend.uploads.models import PaymentEvidence
from bots.core.messages import Incoming, Media
from shared.schemas.enums import TaskKind
from tests import builders as b
from tests.bots_core.conftest import ID_NUMBER, PHONE, Person, Seeded, World, button, buttons, text
from tests.plans.helpers import today

MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
]  # fmt: skip


def day_of(days: int) -> date:
    return today() + timedelta(days=days)


async def verified(world: World, **who: object) -> Person:
    rosa = world.person(**who)
    await rosa.send("hola")
    await rosa.press("lang:es")
    await rosa.send(ID_NUMBER)
    await rosa.send(PHONE[-4:])
    return rosa


def instalments(session: Session, seeded: Seeded) -> list[PlanInstalment]:
    plan = session.exec(select(Plan).where(Plan.account_id == seeded.account.id)).one()
    return list(
        session.exec(
            select(PlanInstalment)
            .where(PlanInstalment.plan_id == plan.id)
            .order_by(PlanInstalment.number)
        ).all()
    )


def test_a_first_date_in_the_proposal_is_kept(run, session: Session, seeded: Seeded) -> None:
    start = day_of(5)

    async def scenario(world: World) -> None:
        rosa = await verified(world)
        reply = await rosa.send(f"6 cuotas desde el {start.day}")
        assert "dentro de lo permitido" in text(reply)
        assert start.strftime("%d/%m/%Y") in text(reply)
        await rosa.send("sí")

    run(scenario)
    down, first, *_ = instalments(session, seeded)
    assert (down.number, down.due_date) == (0, start)  # the down payment on the day asked
    assert first.due_date.day == start.day or first.due_date.month != start.month


def test_the_day_of_every_month_changes_the_terms_on_the_table(
    run, session: Session, seeded: Seeded
) -> None:
    start = day_of(3)

    async def scenario(world: World) -> None:
        rosa = await verified(world)
        assert "dentro de lo permitido" in text(await rosa.send("6 cuotas"))
        reply = await rosa.send(f"Pago los {start.day} de cada mes")
        assert "6 cuotas mensuales de S/\xa0180.00" in text(reply)  # the same six, moved
        await rosa.send("sí")

    run(scenario)
    rows = instalments(session, seeded)
    assert len(rows) == 7 and rows[0].due_date == start


def test_a_date_outside_the_policy_is_said_with_the_closest_allowed(
    run, session: Session, seeded: Seeded
) -> None:
    far, latest = day_of(25), day_of(10)

    async def scenario(world: World) -> None:
        rosa = await verified(world)
        await rosa.send("6 cuotas")
        reply = text(await rosa.send(f"la primera el {far.day} de {MONTHS[far.month - 1]}"))
        assert "No puedo aprobar esa propuesta" in reply
        assert f"a más tardar el {latest.strftime('%d/%m/%Y')}" in reply  # the closest date
        assert "dentro de lo permitido" not in reply
        await rosa.send("sí")

    run(scenario)
    assert instalments(session, seeded)[0].due_date == latest


def test_a_down_payment_now_and_the_rest_in_three(run, session: Session, seeded: Seeded) -> None:
    async def scenario(world: World) -> None:
        rosa = await verified(world)
        reply = text(await rosa.send("40% ahora y el resto en 3"))
        assert "una inicial de S/\xa0480.00" in reply
        assert "3 cuotas mensuales de S/\xa0240.00" in reply
        await rosa.send("sí")

    run(scenario)
    rows = instalments(session, seeded)
    assert [(r.number, r.amount_minor) for r in rows] == [
        (0, 48_000),
        (1, 24_000),
        (2, 24_000),
        (3, 24_000),
    ]
    assert rows[0].due_date == today()  # "ahora"


def voucher(message_id: str, *, kind: str = "image", caption: str = "") -> Incoming:
    async def fetch() -> bytes:
        return b"\xff\xd8 voucher"

    return Incoming(
        "telegram",
        "777",
        message_id,
        text=caption,
        media=Media(kind, "image/jpeg", "photo.jpg", size=10, fetch=fetch),  # type: ignore[arg-type]
    )


def test_a_voucher_photo_is_kept_and_a_sticker_gets_what_the_bot_can_do(
    run, session: Session, seeded: Seeded
) -> None:
    async def scenario(world: World) -> None:
        stranger = await world.core.handle(voucher("v-0", caption="voucher de pago"))
        assert "primero debo verificar su identidad" in text(stranger)
        rosa = world.person()
        await rosa.send(ID_NUMBER)
        resend = text(await rosa.send(PHONE[-4:]))  # verified: asked to send it again
        assert "Thank you, Rosa" in resend  # her preferred language, none was chosen
        assert "send me the photo or PDF of your receipt again" in resend
        kept = await world.core.handle(voucher("v-1", caption="voucher de pago"))
        assert text(kept).startswith("We received your receipt; we will review it today")
        assert "What would you like to pay?" not in text(kept)
        again = await world.core.handle(voucher("v-1", caption="voucher de pago"))
        assert again.duplicate
        sticker = Incoming("telegram", "777", "s-1", media=Media("sticker"))
        answered = text(await world.core.handle(sticker))
        assert "I can't listen to voice notes or see stickers" in answered

    run(scenario)
    [row] = session.exec(select(PaymentEvidence)).all()
    assert row.account_id == seeded.account.id and row.caption == "voucher de pago"
    [task] = session.exec(select(Task).where(Task.kind == TaskKind.payment_evidence)).all()
    assert task.assignee_id == seeded.agent.id


@pytest.mark.parametrize(
    ("first", "language_question", "asks"),
    [
        ("Buenas tardes, quiero saber cuánto debo", False, "Escriba su número de documento"),
        ("Hi, how much do I owe?", False, "Please type your ID document number"),
        ("hola", True, "¿En qué idioma desea continuar?"),
    ],
)
def test_the_language_of_the_first_message(
    run, seeded: Seeded, first: str, language_question: bool, asks: str
) -> None:
    async def scenario(world: World) -> None:
        reply = await world.person(user_id="888").send(first)
        assert asks in text(reply)
        assert ("lang:es" in buttons(reply) and "lang:en" in buttons(reply)) == language_question

    run(scenario)


@pytest.mark.parametrize("typed", ["DNI {n}", "mi DNI es {n}", "DNI: {n}", "Mi número de DNI: {n}"])
def test_national_ids_as_people_type_them(run, seeded: Seeded, typed: str) -> None:
    async def scenario(world: World) -> None:
        rosa = world.person()
        await rosa.send("hola")
        await rosa.press("lang:es")
        asked = text(await rosa.send(typed.format(n=ID_NUMBER)))
        assert "últimos 4 dígitos" in asked  # taken as the ID, not counted as a wrong one
        assert "Gracias, Rosa" in text(await rosa.send(PHONE[-4:]))

    run(scenario)


def test_an_english_speaker_in_peru_writes_the_birth_date_day_first(
    run, session: Session, seeded: Seeded
) -> None:
    portfolio = session.get(Portfolio, seeded.account.portfolio_id)
    lucia = b.debtor(session, portfolio, id_number="70707070", birth_date=date(1990, 4, 3))
    b.account(session, portfolio, owner=lucia, principal=50_000)

    async def scenario(world: World) -> None:
        person = world.person(user_id="999", hint="en-US")
        await person.send("Hi, how much do I owe?")
        await person.send("70707070")
        welcome = text(await person.send("03/04/1990"))  # 3 April, as Peru writes it
        assert "Thank you, Rosa" in welcome and "S/\xa0500.00" in welcome
        assert button(person.last, "offer:")

    run(scenario)


def test_once_the_pause_is_over_the_id_typed_is_taken(run, session: Session, seeded) -> None:
    async def scenario(world: World) -> None:
        mallory = world.person(user_id="555")
        await mallory.send("hola")
        await mallory.press("lang:es")
        for wrong in ("0001", "0002", "0003"):
            await mallory.send(ID_NUMBER)
            reply = text(await mallory.send(wrong))
        assert "en 5 minutos" in reply
        for failure in session.exec(select(VerificationFailure)).all():
            failure.at -= timedelta(minutes=6)
            session.add(failure)
        session.flush()
        assert "últimos 4 dígitos" in text(await mallory.send(f"DNI {ID_NUMBER}"))

    run(scenario)
