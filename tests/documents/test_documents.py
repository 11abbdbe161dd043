"""Documents debtors ask for, as PDFs in Spanish and English (read back with pypdf): the plan's
schedule, receipts, and the paid-in-full certificate with its public verification page, which
shows only what checking it needs and turns to revoked for good when money is owed again."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.documents.pdf import latin1
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from shared.schemas.enums import EntryKind, PaymentMethod, Role
from tests import builders as b
from tests.disputes.conftest import (
    API,
    World,
    dispute,
    field_payment,
    instalment_plan,
    resolve,
    verify,
)
from tests.plans.helpers import pay, today


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _pdf(answer) -> str:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    return text_of(answer.content)


def test_the_plans_schedule_in_both_languages(client, session: Session, world: World) -> None:
    plan = instalment_plan(session, world.account)
    session.commit()
    url = f"{API}/plans/{plan.id}/schedule.pdf"
    spanish = _pdf(client.get(url, headers=b.headers(world.agent, "es")))
    assert "Cronograma de pagos" in spanish and "Banco Andino" in spanish
    assert "Rosa Quispe" in spanish and world.account.external_ref in spanish
    assert re.search(r"S/\s?\d{1,3}(,\d{3})*\.\d{2}", spanish)  # Peru's money, CLDR-formatted
    first_due = min(i.due_date for i in _instalments(session, plan.id))
    assert first_due.strftime("%d/%m/%Y") in spanish and "pendiente" in spanish
    english = _pdf(client.get(url, params={"lang": "en"}, headers=b.headers(world.agent, "es")))
    assert "Payment schedule" in english and "pending" in english
    # Through the bot, for the chat's own account only.
    verify(client, world)
    bot = _pdf(
        client.get(
            world.url(f"/accounts/{world.account.id}/schedule.pdf"), headers=world.bot_headers
        )
    )
    assert "Cronograma de pagos" in bot
    none = client.get(
        world.url(f"/accounts/{world.other.id}/schedule.pdf"), headers=world.bot_headers
    )
    assert none.status_code == 404


def _instalments(session: Session, plan_id):
    from backend.plans.repository import instalments

    return instalments(session, plan_id)


def test_no_plan_no_schedule(client, world: World) -> None:
    verify(client, world)
    answer = client.get(
        world.url(f"/accounts/{world.account.id}/schedule.pdf"), headers=world.bot_headers
    )
    assert answer.status_code == 404 and answer.json()["code"] == "no_plan"


def test_a_receipt_with_its_verification_code(client, world: World) -> None:
    payment = field_payment(client, world)
    url = f"{API}/payments/{payment['id']}/receipt.pdf"
    spanish = _pdf(client.get(url, headers=b.headers(world.agent, "es")))
    assert "Recibo de pago" in spanish and "S/ 200.00" in spanish.replace("\xa0", " ")
    assert payment["verification_code"] in spanish and "Efectivo" in spanish
    assert f"/receipts/{payment['verification_code']}" in spanish
    english = _pdf(client.get(url, headers=b.headers(world.agent, "en")))
    assert "Payment receipt" in english and "Cash" in english
    # The bot lists the account's payments and sends one's receipt.
    verify(client, world)
    listed = client.get(
        world.url(f"/accounts/{world.account.id}/payments"), headers=world.bot_headers
    ).json()
    assert [p["id"] for p in listed] == [payment["id"]]
    bot = client.get(
        world.url(f"/payments/{payment['id']}/receipt.pdf"),
        headers=world.bot_headers,
        params={"language": "en"},
    )
    assert "Payment receipt" in _pdf(bot)


def test_receipts_of_other_peoples_payments_are_missing(
    client, session: Session, world: World
) -> None:
    other = b.account(session, world.portfolio, principal=10_000)
    booked, _ = payments.record_payment(
        session,
        Actor.system(),
        other.id,
        payments.IncomingPayment(
            amount_minor=1_000,
            currency="PEN",
            paid_on=today(),
            method=PaymentMethod.cash,
            client_id="client-x-000001",
        ),
    )
    session.commit()
    verify(client, world)
    bot = client.get(world.url(f"/payments/{booked.id}/receipt.pdf"), headers=world.bot_headers)
    assert bot.status_code == 404
    stranger = b.user(session, Role.agent)
    staff = client.get(f"{API}/payments/{booked.id}/receipt.pdf", headers=b.headers(stranger))
    assert staff.status_code == 404


def test_the_paid_in_full_certificate_and_its_public_page(
    client, session: Session, world: World
) -> None:
    verify(client, world)
    issue = world.url(f"/accounts/{world.account.id}/certificate")
    owed = client.post(issue, headers=world.bot_headers)
    assert owed.status_code == 409 and owed.json()["code"] == "account_not_paid"
    pay(session, world.account, 120_000, "payoff")
    session.commit()
    first = client.post(issue, headers=world.bot_headers)
    assert first.status_code == 201, first.text
    certificate = first.json()
    assert certificate["valid"] and certificate["basis"] == "paid"
    assert certificate["closed_on"] == today().isoformat()
    assert certificate["verify_url"].endswith(f"/certificates/{certificate['code']}")
    again = client.post(
        f"{API}/accounts/{world.account.id}/certificate", headers=b.headers(world.agent)
    )
    assert again.status_code == 200 and again.json()["code"] == certificate["code"]

    document = _pdf(
        client.get(
            world.url(f"/accounts/{world.account.id}/certificate.pdf"), headers=world.bot_headers
        )
    )
    assert "Constancia de no adeudo" in document and "Constancia válida" in document
    assert certificate["code"] in document and "pagada en su totalidad" in document
    assert "Rosa Quispe" in document and world.debtor.id_number in document

    page = client.get(f"/certificates/{certificate['code'].lower()}")  # anyone, no login
    assert page.status_code == 200
    assert "Constancia válida" in page.text and "Banco Andino" in page.text
    assert "•••• 7781" in page.text and "R. Q." in page.text
    assert today().strftime("%d/%m/%Y") in page.text
    for private in ("Rosa", "Quispe", world.debtor.id_number, world.account.external_ref):
        assert private not in page.text
    english = client.get(f"/certificates/{certificate['code']}", params={"lang": "en"})
    assert "Valid certificate" in english.text and "Paid in full on" in english.text
    assert client.get("/certificates/NOTACODE1234").status_code == 404

    # The payment bounces: revoked for good, also once paid again (that gets its own).
    payoff = session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.account_id == world.account.id, LedgerEntry.kind == EntryKind.payment
        )
    ).one()
    payments.reverse_entry(
        session,
        Actor.system(),
        payoff.id,
        idempotency_key="bounced",
        description="cheque devuelto",
        effective_date=None,
    )
    session.commit()
    revoked = client.get(f"/certificates/{certificate['code']}")
    assert "Constancia revocada" in revoked.text
    read = client.get(
        f"{API}/accounts/{world.account.id}/certificate", headers=b.headers(world.agent)
    ).json()
    assert read["valid"] is False
    assert client.post(issue, headers=world.bot_headers).status_code == 409
    pay(session, world.account, 120_000, "payoff-again")
    session.commit()
    renewed = client.post(issue, headers=world.bot_headers).json()
    assert renewed["code"] != certificate["code"] and renewed["valid"]
    assert "Constancia revocada" in client.get(f"/certificates/{certificate['code']}").text


def test_a_certificate_for_an_upheld_dispute(client, session: Session, world: World) -> None:
    verify(client, world)
    dispute_id = dispute(client, world, reason="identity_theft").json()["id"]
    assert resolve(client, world.supervisor, dispute_id, "upheld").status_code == 200
    issued = client.post(
        f"{API}/accounts/{world.account.id}/certificate", headers=b.headers(world.supervisor)
    )
    assert issued.status_code == 201 and issued.json()["basis"] == "dispute_upheld"
    english = _pdf(
        client.get(
            f"{API}/accounts/{world.account.id}/certificate.pdf",
            headers=b.headers(world.supervisor, "en"),
        )
    )
    assert "their claim was upheld" in english
    page = client.get(f"/certificates/{issued.json()['code']}")
    assert "Cerrada sin deuda el" in page.text and "Constancia válida" in page.text


def test_text_outside_latin1_is_written_as_close_as_it_can_be() -> None:
    assert latin1("S/\u202f1,000.00") == "S/\xa01,000.00"
    assert latin1("Łukasz Ńowak") == "Lukasz Nowak"
    assert latin1("Peña “Ñandú”") == 'Peña "Ñandú"'
    assert latin1("王") == "?"


def test_an_account_outside_the_callers_scope_has_no_documents(
    client, session: Session, world: World
) -> None:
    stranger = b.headers(b.user(session, Role.agent))
    for path in ("certificate", "certificate.pdf"):
        assert (
            client.get(f"{API}/accounts/{world.account.id}/{path}", headers=stranger).status_code
            == 404
        )
    account = session.get(Account, world.account.id)
    assert (
        client.get(
            f"{API}/accounts/{account.id}/certificate", headers=b.headers(world.agent)
        ).json()["code"]
        == "certificate_not_issued"
    )
