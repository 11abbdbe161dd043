"""Templates over the API: admins write them (validated, versioned, audited), staff read and
preview them, with sample facts or an account they may see."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.creditors.models import Portfolio
from shared.schemas.enums import Role
from tests import builders as b

BODY = {
    "body": "Hola {{ first_name }}, su deuda {{ reference }} es de {{ balance }}.",
    "subject": "Su deuda con {{ creditor }}",
    "whatsapp_name": "recordatorio_saldo",
    "whatsapp_params": ["first_name", "balance"],
}


def _url(portfolio: Portfolio, tail: str = "") -> str:
    return f"/api/v1/portfolios/{portfolio.id}/templates{tail}"


def test_admins_save_templates_with_versions_and_audit(session: Session, client) -> None:
    portfolio = b.portfolio(session)
    admin = b.headers(b.user(session, Role.admin))
    first = client.put(_url(portfolio, "/saldo/es"), json=BODY, headers=admin)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    same = client.put(_url(portfolio, "/saldo/es"), json=BODY, headers=admin)
    assert same.json()["version"] == 1  # nothing changed, nothing recorded
    changed = client.put(
        _url(portfolio, "/saldo/es"), json={**BODY, "body": "Saldo: {{ balance }}"}, headers=admin
    )
    assert changed.json()["version"] == 2 and changed.json()["body"] == "Saldo: {{ balance }}"
    events = (
        session.execute(
            select(AuditEvent).where(AuditEvent.action == "template.saved").order_by(AuditEvent.at)
        )
        .scalars()
        .all()
    )
    assert [e.after["version"] for e in events] == [1, 2]
    assert events[1].before["body"] == BODY["body"]
    supervisor = b.headers(b.user(session, Role.supervisor))
    listed = client.get(_url(portfolio), headers=supervisor)
    assert [(t["name"], t["language"]) for t in listed.json()] == [("saldo", "es")]
    refused = client.put(_url(portfolio, "/saldo/en"), json=BODY, headers=supervisor)
    assert refused.status_code == 403
    agent = client.get(_url(portfolio), headers=b.headers(b.user(session, Role.agent)))
    assert agent.status_code == 403


def test_templates_that_would_not_render_are_refused(session: Session, client) -> None:
    portfolio = b.portfolio(session)
    admin = b.headers(b.user(session, Role.admin), lang="es")
    for body, detail in (
        ({**BODY, "body": "Hola {{ nombre }}"}, "unknown variables: nombre"),
        ({**BODY, "body": "Hola {% if %}"}, "line 1"),
        ({**BODY, "whatsapp_params": ["secret"]}, "unknown variables: secret"),
        ({**BODY, "whatsapp_name": None}, "whatsapp_params need whatsapp_name"),
    ):
        response = client.put(_url(portfolio, "/saldo/es"), json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "invalid_template"
        assert detail in response.json()["details"][0]
    bad_name = client.put(_url(portfolio, "/Saldo%20Final/es"), json=BODY, headers=admin)
    assert bad_name.status_code == 422
    assert client.get(_url(portfolio), headers=admin).json() == []


def test_preview_with_sample_facts_or_a_visible_account(session: Session, client) -> None:
    creditor = b.creditor(session, name="Banco Andino")
    portfolio = b.portfolio(session, creditor=creditor)
    admin_user = b.user(session, Role.admin)
    client.put(_url(portfolio, "/saldo/es"), json=BODY, headers=b.headers(admin_user))
    supervisor = b.user(session, Role.supervisor)
    agent = b.user(session, Role.agent, supervisor=supervisor)
    owner = b.debtor(session, portfolio, first_name="Lucía")
    account = b.account(
        session, portfolio, agent=agent, owner=owner, principal=1_926_450, due_date=date(2026, 1, 5)
    )
    url = _url(portfolio, "/saldo/es/preview")

    sample = client.post(url, json={}, headers=b.headers(supervisor))
    assert sample.status_code == 200, sample.text
    assert sample.json()["text"].startswith("Hola María, su deuda 0001234567")
    real = client.post(url, json={"account_id": str(account.id)}, headers=b.headers(supervisor))
    body = real.json()
    assert body["text"].startswith(
        f"Hola Lucía, su deuda {account.external_ref} es de S/\xa019,264.50."
    )
    assert "Responda BAJA" in body["text"] and body["subject"] == "Su deuda con Banco Andino"
    assert body["whatsapp_parameters"] == ["Lucía", "S/\xa019,264.50"]

    stranger = b.user(session, Role.supervisor)  # another team's supervisor
    hidden = client.post(url, json={"account_id": str(account.id)}, headers=b.headers(stranger))
    assert hidden.status_code == 404
    elsewhere = b.account(session, b.portfolio(session), agent=agent)
    other = client.post(url, json={"account_id": str(elsewhere.id)}, headers=b.headers(admin_user))
    assert other.status_code == 404
    missing = client.post(
        _url(portfolio, "/nada/es/preview"), json={}, headers=b.headers(admin_user)
    )
    assert missing.status_code == 404
