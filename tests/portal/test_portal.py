"""The whole portal journey through the ASGI app, on both databases."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.disputes.models import Dispute
from backend.promises.models import Promise
from backend.tasks.models import Task
from shared.schemas.enums import ActionChannel, TaskKind
from tests import builders as b
from tests.plans.helpers import today
from tests.portal.conftest import ID_NUMBER, PHONE, Seeded, csrf, login, nonce

BALANCE = "S/\xa01,200.00"


def test_document_and_factor_login_shows_the_accounts(browser: TestClient, seeded: Seeded) -> None:
    first = browser.get("/portal/")
    assert first.status_code == 200 and "Verifique su identidad" in first.text
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/portal" in cookie
    assert "default-src 'none'" in first.headers["content-security-policy"]
    answer = login(browser)
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/"
    home = browser.get("/portal/")
    assert "Hola, Rosa" in home.text and BALANCE in home.text
    assert str(seeded.account.id) in home.text and str(seeded.other.id) not in home.text


def test_a_chat_link_logs_in_once_and_only_in_the_first_browser(
    app, browser: TestClient, seeded: Seeded
) -> None:
    made = browser.post(
        f"/api/v1/debtors/{seeded.debtor.id}/chat-link",
        headers=b.headers(seeded.agent),
        json={"valid_hours": 2},
    )
    token = made.json()["token"]
    page = browser.get(f"/portal/start/{token}")
    assert page.status_code == 200 and BALANCE in page.text
    assert "set-cookie" in page.headers  # rendered, not redirected: the cookie stays
    assert browser.get(f"/portal/start/{token}").status_code == 200  # the same browser again
    with TestClient(app) as other:
        refused = other.get(f"/portal/start/{token}")
        assert refused.status_code == 400 and "otro dispositivo" in refused.text
        assert BALANCE not in other.get("/portal/").text


def test_wrong_answers_lock_the_session_as_they_lock_a_chat(
    browser: TestClient, seeded: Seeded
) -> None:
    answers = [login(browser, "0000") for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [401, 401]
    assert "Le quedan 2 intentos" in answers[0].text
    right = login(browser)  # the right details, too late
    assert right.status_code == 429 and "en pausa" in right.text
    assert 'action="/portal/verify"' not in browser.get("/portal/").text  # no form while paused


def test_forms_without_the_session_csrf_token_are_refused(
    app, browser: TestClient, seeded: Seeded
) -> None:
    browser.get("/portal/")
    data = {"id_number": ID_NUMBER, "phone_last4": PHONE[-4:]}
    assert browser.post("/portal/verify", data=data).status_code == 403
    with TestClient(app) as other:
        foreign = csrf(other.get("/portal/").text)
    refused = browser.post("/portal/verify", data={**data, "csrf": foreign})
    assert refused.status_code == 403
    assert "Verifique" in browser.get("/portal/").text  # nothing was verified


def test_another_debtors_account_is_not_found(browser: TestClient, seeded: Seeded) -> None:
    login(browser)
    assert browser.get(f"/portal/accounts/{seeded.other.id}").status_code == 404
    assert browser.get(f"/portal/accounts/{seeded.other.id}/documents").status_code == 404
    assert browser.get("/portal/accounts/not-an-id").status_code == 404
    page = browser.get("/portal/")
    posted = browser.post(
        f"/portal/accounts/{seeded.other.id}/promise",
        data={"csrf": csrf(page.text), "amount": "10", "date": today().isoformat()},
    )
    assert posted.status_code == 404


def test_pages_need_verification(browser: TestClient, seeded: Seeded) -> None:
    answer = browser.get(f"/portal/accounts/{seeded.account.id}")
    assert answer.status_code == 401 and "Verifíquese de nuevo" in answer.text


def test_offers_and_the_three_proposal_outcomes(
    browser: TestClient, session: Session, seeded: Seeded
) -> None:
    login(browser)
    detail = browser.get(f"/portal/accounts/{seeded.account.id}")
    assert detail.status_code == 200
    assert detail.text.count("Aceptar esta opción") == 3
    form = browser.get(f"/portal/accounts/{seeded.account.id}/propose")
    url = f"/portal/accounts/{seeded.account.id}/propose"
    base = {"csrf": csrf(form.text), "kind": "plan", "first": "", "down": ""}
    counter = browser.post(url, data={**base, "count": "24"})
    assert "Le proponemos otra forma" in counter.text and "Aceptar esta opción" in counter.text
    approval = browser.post(url, data={**base, "count": "24", "insist": "on"})
    assert "Su propuesta necesita aprobación" in approval.text
    tasks = session.exec(select(Task).where(Task.account_id == seeded.account.id)).all()
    assert TaskKind.approval_request in {t.kind for t in tasks}
    invalid = browser.post(url, data={**base, "count": "many"})
    assert invalid.status_code == 422
    accepted = browser.post(url, data={**base, "count": "6"})
    assert "Su propuesta está dentro de lo permitido" in accepted.text
    offer_id = re.search(r'name="offer_id" value="([^"]+)"', accepted.text).group(1)
    plan = browser.post(
        f"/portal/accounts/{seeded.account.id}/accept",
        data={"csrf": base["csrf"], "offer_id": offer_id},
    )
    assert plan.status_code == 201 and "Su acuerdo quedó registrado" in plan.text
    schedule = browser.get(f"/portal/accounts/{seeded.account.id}/schedule.pdf")
    assert schedule.status_code == 200 and schedule.content.startswith(b"%PDF")
    assert schedule.headers["content-type"] == "application/pdf"
    paying = browser.post(
        f"/portal/accounts/{seeded.account.id}/pay",
        data={"csrf": base["csrf"], "nonce": nonce(plan.text), "purpose": "instalment"},
        follow_redirects=False,
    )
    assert paying.status_code == 303 and "/pay/" in paying.headers["location"]


def test_promise_is_recorded_once_per_form(
    browser: TestClient, session: Session, seeded: Seeded
) -> None:
    login(browser)
    form = browser.get(f"/portal/accounts/{seeded.account.id}/promise")
    assert 'type="date"' in form.text
    data = {
        "csrf": csrf(form.text),
        "nonce": nonce(form.text),
        "amount": "300.00",
        "date": (today() + timedelta(days=3)).isoformat(),
    }
    url = f"/portal/accounts/{seeded.account.id}/promise"
    first = browser.post(url, data=data)
    assert first.status_code == 201 and "S/\xa0300.00" in first.text
    assert browser.post(url, data=data).status_code == 201  # the same form again
    rows = session.exec(select(Promise).where(Promise.account_id == seeded.account.id)).all()
    assert len(rows) == 1 and rows[0].channel == ActionChannel.web
    late = browser.post(url, data={**data, "nonce": "n2", "date": "2099-01-01"})
    assert late.status_code == 409


def test_dispute_with_evidence(browser: TestClient, session: Session, seeded: Seeded) -> None:
    login(browser)
    form = browser.get(f"/portal/accounts/{seeded.account.id}/dispute")
    answer = browser.post(
        f"/portal/accounts/{seeded.account.id}/dispute",
        data={
            "csrf": csrf(form.text),
            "nonce": nonce(form.text),
            "reason": "already_paid",
            "statement": "Pagué en agosto en la agencia.",
        },
        files={"evidence": ("voucher.jpg", b"\xff\xd8\xff\xe0 voucher", "image/jpeg")},
    )
    assert answer.status_code == 201, answer.text
    dispute = session.exec(select(Dispute).where(Dispute.account_id == seeded.account.id)).one()
    assert dispute.reason == "already_paid"
    assert len(dispute.evidence) == 1


def test_opt_outs_and_asking_for_a_person(
    browser: TestClient, session: Session, seeded: Seeded
) -> None:
    login(browser)
    page = browser.get("/portal/preferences")
    saved = browser.post(
        "/portal/preferences", data={"csrf": csrf(page.text), "off": ["sms", "phone"]}
    )
    assert saved.status_code == 200 and "Guardamos sus preferencias" in saved.text
    session.refresh(seeded.debtor)
    assert sorted(seeded.debtor.opt_outs) == ["phone", "sms"]
    asked = browser.post(
        "/portal/agent",
        data={"csrf": csrf(page.text), "nonce": "n1", "account_id": str(seeded.account.id)},
    )
    assert asked.status_code == 201
    task = session.exec(
        select(Task).where(
            Task.account_id == seeded.account.id, Task.kind == TaskKind.callback_request
        )
    ).one()
    assert task.payload["channel"] == "portal"


def test_pay_the_balance_then_download_the_receipt_and_certificate(
    browser: TestClient, seeded: Seeded, builtin_provider: None
) -> None:
    login(browser)
    detail = browser.get(f"/portal/accounts/{seeded.account.id}")
    link = browser.post(
        f"/portal/accounts/{seeded.account.id}/pay",
        data={"csrf": csrf(detail.text), "nonce": nonce(detail.text), "purpose": "balance"},
        follow_redirects=False,
    )
    assert link.status_code == 303
    page = httpx.URL(link.headers["location"]).path
    assert page.startswith("/pay/") and BALANCE in browser.get(page).text
    assert browser.post(f"{page}/sandbox", follow_redirects=False).status_code == 303
    docs = browser.get(f"/portal/accounts/{seeded.account.id}/documents")
    assert docs.status_code == 200
    receipt = re.search(r'href="(/portal/accounts/[^"]+/receipts/[^"]+\.pdf)"', docs.text)
    assert receipt, docs.text
    pdf = browser.get(receipt.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert 'href="/portal/accounts/' in docs.text and "certificate.pdf" in docs.text
    certificate = browser.get(f"/portal/accounts/{seeded.account.id}/certificate.pdf")
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF")
    home = browser.get("/portal/").text  # a paid account is listed, with its documents
    assert "Pagadas" in home and f"/accounts/{seeded.account.id}/certificate.pdf" in home
    assert receipt.group(1) in home
    stranger = browser.get(f"/portal/accounts/{seeded.account.id}/receipts/{seeded.other.id}.pdf")
    assert stranger.status_code == 404


def test_language_switch(browser: TestClient, seeded: Seeded) -> None:
    page = browser.get("/portal/")
    answer = browser.post(
        "/portal/language", data={"csrf": csrf(page.text), "lang": "en", "next": "/"}
    )
    assert answer.status_code == 200 and "Verify your identity" in answer.text
    assert 'lang="en"' in answer.text
