"""The day's cash an agent hands in: each cash payment they took that day (in their
portfolio's time zone), with count and total per currency, for the agent and their supervisor
only, as JSON and as a PDF. Totals worked out by hand below."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests import builders as b
from tests.documents.test_documents import text_of
from tests.field import helpers as h
from tests.plans.helpers import lima, today


def test_the_days_cash_per_currency(session: Session, client: TestClient) -> None:
    supervisor, agent = h.team(session)
    _, other_agent = h.team(session)
    pen = h.located_account(session, lima(session), agent, h.north(50), principal=200_000)
    pen2 = h.located_account(session, lima(session), agent, h.north(80), principal=200_000)
    dollars = b.portfolio(session, currency="USD", country="PE")
    usd = h.located_account(session, dollars, agent, h.north(90), principal=50_000)
    theirs = h.located_account(session, lima(session), other_agent, h.north(60))
    yesterday = (today() - timedelta(days=1)).isoformat()
    h.sync(
        client,
        agent,
        [
            h.payment(pen, "250.00", "R-1"),  # counted
            h.payment(pen2, "120.50", "R-2"),  # counted
            h.payment(usd, "40.00", "R-3"),  # counted, in dollars
            h.payment(pen, "99.00", "R-4", method="transfer"),  # not cash
            h.payment(pen2, "10.00", "R-5", paid_on=yesterday),  # another day
        ],
    )
    h.sync(client, other_agent, [h.payment(theirs, "500.00", "R-6")])  # another agent's

    answer = client.get(f"/api/v1/field/agents/{agent.id}/cash-summary", headers=b.headers(agent))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["date"], body["timezone"]) == (today().isoformat(), "America/Lima")
    # PEN: 250.00 + 120.50 = 370.50 in 2 payments; USD: 40.00 in 1.
    assert body["totals"] == [
        {"currency": "PEN", "count": 2, "amount_minor": 37_050},
        {"currency": "USD", "count": 1, "amount_minor": 4_000},
    ]
    assert [(p["receipt_number"], p["amount_minor"]) for p in body["payments"]] == [
        ("R-1", 25_000),
        ("R-2", 12_050),
        ("R-3", 4_000),
    ]
    assert all(p["received_at"].endswith("-05:00") for p in body["payments"])  # Lima's time
    yesterday_body = client.get(
        f"/api/v1/field/agents/{agent.id}/cash-summary",
        params={"date": yesterday},
        headers=b.headers(supervisor),
    ).json()
    assert yesterday_body["totals"] == [{"currency": "PEN", "count": 1, "amount_minor": 1_000}]


def test_the_pdf_says_the_same(session: Session, client: TestClient) -> None:
    _, agent = h.team(session)
    account = h.located_account(session, lima(session), agent, h.north(50), principal=200_000)
    h.sync(client, agent, [h.payment(account, "1250.00", "R-1"), h.payment(account, "5", "R-2")])

    answer = client.get(
        f"/api/v1/field/agents/{agent.id}/cash-summary.pdf",
        params={"lang": "es"},
        headers=b.headers(agent),
    )

    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = text_of(answer.content)
    assert "Resumen de efectivo del día" in text
    assert "Total PEN" in text and "S/ 1,255.00" in text  # 1,250.00 + 5.00
    assert "R-1" in text and "R-2" in text and "America/Lima" in text


def test_an_empty_day_and_who_may_see_it(session: Session, client: TestClient) -> None:
    supervisor, agent = h.team(session)
    other_supervisor, other_agent = h.team(session)
    url = f"/api/v1/field/agents/{agent.id}/cash-summary"

    mine = client.get(url, headers=b.headers(agent))
    team = client.get(url, headers=b.headers(supervisor))

    assert mine.status_code == 200 and mine.json()["totals"] == []
    assert team.status_code == 200 and team.json()["payments"] == []
    for outsider in (other_agent, other_supervisor):
        assert client.get(url, headers=b.headers(outsider)).status_code == 404
    empty_pdf = client.get(f"{url}.pdf", headers=b.headers(agent, "en"))
    assert "No cash was collected this day." in text_of(empty_pdf.content)
