"""A portfolio's contact rules over the API: read by staff, changed by admins only, validated
and audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.creditors.models import Portfolio
from shared.schemas.enums import Role
from tests import builders as b


def _url(portfolio: Portfolio) -> str:
    return f"/api/v1/portfolios/{portfolio.id}/contact-rules"


def test_staff_read_the_law_and_the_overrides(session: Session, client) -> None:
    portfolio = b.portfolio(session, country="CO", contact_rules={"channels_per_week": 2})
    response = client.get(_url(portfolio), headers=b.headers(b.user(session, Role.supervisor)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["overrides"] == {"channels_per_week": 2}
    assert body["effective"]["channels_per_week"] == 2
    assert body["effective"]["authorised_only"] is True  # Colombia's, kept
    assert body["effective"]["hours"][0]["days"]["5"] == [["08:00", "15:00"]]
    agent = client.get(_url(portfolio), headers=b.headers(b.user(session, Role.agent)))
    assert agent.status_code == 403


def test_only_admins_change_them_and_every_change_is_audited(session: Session, client) -> None:
    portfolio = b.portfolio(session, country="CL", contact_rules={})
    supervisor = client.put(
        _url(portfolio), json={"caps": []}, headers=b.headers(b.user(session, Role.supervisor))
    )
    assert supervisor.status_code == 403
    admin = b.user(session, Role.admin)
    stricter = {"caps": [{"limit": 1, "period": "week"}]}
    response = client.put(_url(portfolio), json=stricter, headers=b.headers(admin))
    assert response.status_code == 200, response.text
    assert response.json()["effective"]["caps"] == [{"limit": 1, "period": "week", "channels": []}]
    session.refresh(portfolio)
    assert portfolio.contact_rules == stricter
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "policy.contact_updated")
    ).scalar_one()
    assert event.entity_id == str(portfolio.id) and event.actor_id == admin.id
    assert event.after == stricter and event.before is None


def test_impossible_or_unknown_rules_answer_422_and_change_nothing(
    session: Session, client
) -> None:
    portfolio = b.portfolio(session, contact_rules={})
    admin = b.headers(b.user(session, Role.admin), lang="es")
    for body, detail in (
        ({"hours": [{"days": {"0": [["20:00", "07:00"]]}}]}, "ends before it starts"),
        ({"caps": [{"limit": 3, "period": "fortnight"}]}, "unknown period"),
        ({"quiet": True}, "unknown rule: quiet"),
        ({"spacings": [{"hours": "two"}]}, "malformed"),
    ):
        response = client.put(_url(portfolio), json=body, headers=admin)
        assert response.status_code == 422, response.text
        answer = response.json()
        assert answer["code"] == "invalid_contact_rules"
        assert answer["message"] == "Las reglas de contacto no son válidas."
        assert detail in answer["details"][0]
    session.refresh(portfolio)
    assert portfolio.contact_rules == {}
    assert session.execute(select(AuditEvent.id)).first() is None


def test_an_unknown_portfolio_is_404(session: Session, client) -> None:
    missing = b.portfolio(session)
    url = _url(missing).replace(str(missing.id), "01a24fc1-0000-7000-8000-000000000000")
    response = client.get(url, headers=b.headers(b.user(session, Role.admin)))
    assert response.status_code == 404
