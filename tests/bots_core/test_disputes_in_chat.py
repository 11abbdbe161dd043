"""A debtor disputes the debt in their own words in the chat: the account is disputed with
those words, a supervisor task opens, contact stops, the debtor is told what happens next and
by when, and the same message delivered again answers the same dispute."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.disputes.models import Dispute
from backend.tasks.models import Task
from bots.core import parsing
from shared.i18n import formats
from shared.schemas.enums import AccountStatus, DisputeReason, TaskKind
from tests import builders as b
from tests.bots_core.conftest import Seeded, World, text


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        ("No reconozco esta deuda", DisputeReason.not_recognised),
        ("Esa deuda no es mía", DisputeReason.not_recognised),
        ("Ya pagué eso en marzo", DisputeReason.already_paid),
        ("me robaron la identidad", DisputeReason.identity_theft),
        ("el monto es incorrecto", DisputeReason.wrong_amount),
        ("I don't recognise this debt", DisputeReason.not_recognised),
        ("I already paid it", DisputeReason.already_paid),
        ("someone stole my identity", DisputeReason.identity_theft),
    ],
)
def test_the_words_of_a_dispute_are_understood(words: str, reason: DisputeReason) -> None:
    assert parsing.dispute_reason(words) == reason


@pytest.mark.parametrize("words", ["cuánto debo", "quiero pagar", "ya quiero pagar", "hola"])
def test_other_messages_are_no_dispute(words: str) -> None:
    assert parsing.dispute_reason(words) is None


def test_a_debtor_disputes_the_debt_in_the_chat(run, client, session: Session, seeded: Seeded):
    made = client.post(
        f"/api/v1/debtors/{seeded.debtor.id}/chat-link", headers=b.headers(seeded.agent), json={}
    )
    token = made.json()["token"]

    answers: list[str] = []

    async def scenario(world: World) -> None:
        rosa = world.person(channel="whatsapp", user_id="51987654321")
        await rosa.send(token)
        answers.append(text(await rosa.send("No reconozco esta deuda, nunca tuve esa tarjeta")))
        answers.append(text(await rosa.send("no reconozco esa deuda!")))  # said again

    run(scenario)
    [dispute] = session.exec(select(Dispute).where(Dispute.account_id == seeded.account.id)).all()
    by = formats.day(dispute.respond_by, "en", "PE")
    assert all(by in answer for answer in answers), answers  # what happens next, by when
    assert dispute.reason == DisputeReason.not_recognised
    assert "nunca tuve esa tarjeta" in dispute.statement
    account = session.get(Account, seeded.account.id)
    assert account is not None and account.status == AccountStatus.disputed
    review = session.exec(select(Task).where(Task.kind == TaskKind.dispute_review)).all()
    assert len(review) == 1
