"""Who may read the KPIs, malformed requests, and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from backend.analytics import snapshots
from tests import builders as b
from tests.analytics.history import History, build, d
from tests.analytics.test_kpis import WINDOW, ids

PATHS = ("portfolio", "agents", "channels", "accounts", "export?report=agents")


@pytest.fixture
def h(session: Session) -> History:
    history = build(session)
    snapshots.write_aging(session, history.portfolio.id, d(2, 28))
    session.flush()
    return history


@pytest.mark.parametrize("path", PATHS)
def test_agents_are_refused(client: TestClient, h: History, path: str) -> None:
    answer = client.get(f"/api/v1/analytics/{path}", headers=b.headers(h.a1))
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    assert client.get(f"/api/v1/analytics/{path}").status_code == 401


def test_a_supervisor_of_another_team_sees_none_of_this_one(
    client: TestClient, session: Session, h: History
) -> None:
    lone = b.user(session, b.Role.supervisor)
    params = {**WINDOW, "portfolio_id": str(h.portfolio.id)}
    headers = b.headers(lone)
    kpis = client.get("/api/v1/analytics/portfolio", params=params, headers=headers).json()
    assert all(not kpis[k] for k in kpis if k not in ("date_from", "date_to"))
    assert client.get("/api/v1/analytics/agents", params=params, headers=headers).json() == []
    assert client.get("/api/v1/analytics/channels", params=params, headers=headers).json() == []
    page = client.get("/api/v1/analytics/accounts", params=params, headers=headers).json()
    assert page == {"items": [], "next_cursor": None}
    # Naming another team's agent narrows nothing open.
    params["agent_id"] = str(h.a1.id)
    assert client.get("/api/v1/analytics/agents", params=params, headers=headers).json() == []


@pytest.mark.parametrize(
    "figure",
    ["nope", "aging:2026-02-30:1-30", "aging:2026-02-28:9-99", "roll:2026-3:1-30:paid",
     "promises:lost", "survival:4:all", "agent:not-a-uuid:visits", "channel:sms:d3",
     "cohort:2026-02:extra", "aging:9999-12-31:1-30", "roll:0001-01:1-30:paid"],
)  # fmt: skip
def test_a_malformed_figure_is_422(client: TestClient, h: History, figure: str) -> None:
    answer = client.get(
        "/api/v1/analytics/accounts", params={"figure": figure}, headers=b.headers(h.admin)
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_figure"), figure


@pytest.mark.parametrize(
    "period",
    [{"date_from": "2026-03-01", "date_to": "2026-02-01"},
     {"date_from": "2020-01-01", "date_to": "2026-01-01"},
     {"date_to": "0001-01-02"}, {"date_from": "9999-12-30", "date_to": "9999-12-31"}],
)  # fmt: skip
def test_a_bad_period_is_422(client: TestClient, h: History, period: dict[str, str]) -> None:
    answer = client.get(
        "/api/v1/analytics/portfolio", params=period, headers=b.headers(h.admin, "es")
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_period")
    assert "período" in answer.json()["message"]


def _export(client: TestClient, h: History, fmt: str, **params: str) -> bytes:
    answer = client.get(
        "/api/v1/analytics/export",
        params={**WINDOW, "portfolio_id": str(h.portfolio.id), "format": fmt, **params},
        headers=b.headers(h.admin),
    )
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    return answer.content


def test_accounts_behind_a_figure_export_as_csv_and_xlsx(client: TestClient, h: History) -> None:
    figure = "aging:2026-02-28:31-60"
    content = _export(client, h, "csv", report="accounts", figure=figure)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert {r["id"] for r in rows} == ids(h, 1, 5)
    assert {r["balance_minor"] for r in rows} == {"10000", "50000"}
    book = load_workbook(io.BytesIO(_export(client, h, "xlsx", report="accounts", figure=figure)))
    sheet = book.active
    assert sheet is not None
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:3] == ("id", "portfolio_id", "external_ref")
    assert {line[0] for line in lines[1:]} == ids(h, 1, 5)
    assert {line[5] for line in lines[1:]} == {10_000, 50_000}  # numbers stay numbers


def test_kpi_sections_export(client: TestClient, h: History) -> None:
    text = _export(client, h, "csv", report="promises").decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["made"], row["made_minor"], row["kept_rate"]) == ("4", "26000", "0.3333")
    content = _export(client, h, "csv", report="agents")
    agents = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    ana = next(a for a in agents if a["name"] == "Ana Uno")
    assert (ana["visits"], ana["collected"]) == ("3", "currency=PEN amount_minor=20000")
    book = load_workbook(io.BytesIO(_export(client, h, "xlsx", report="cohorts")))
    sheet = book.active
    assert sheet is not None
    cohorts = list(sheet.iter_rows(values_only=True))
    assert cohorts[0] == ("cohort", "currency", "accounts", "placed_minor", "curve")
    assert [c[2] for c in cohorts[1:]] == [3, 2]


def test_text_a_spreadsheet_would_run_is_kept_as_text(
    client: TestClient, session: Session, h: History
) -> None:
    h.acc[1].external_ref = "=HYPERLINK(1)"
    session.add(h.acc[1])
    session.flush()
    text = _export(client, h, "csv", report="accounts", figure="cohort:2026-01").decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_a_creditors_user_sees_their_creditors_figures_and_no_agents(
    client: TestClient, session: Session, h: History
) -> None:
    admin = b.headers(b.user(session, b.Role.admin))
    own = b.user(session, b.Role.creditor, creditor_id=h.portfolio.creditor_id)
    stranger = b.user(session, b.Role.creditor_admin, creditor_id=b.creditor(session).id)
    params = {**WINDOW, "creditor_id": str(h.portfolio.creditor_id)}
    expected = client.get("/api/v1/analytics/portfolio", params=params, headers=admin).json()
    mine = client.get("/api/v1/analytics/portfolio", params=WINDOW, headers=b.headers(own))
    assert mine.status_code == 200
    assert mine.json() == expected
    assert (
        client.get("/api/v1/analytics/agents", params=WINDOW, headers=b.headers(own)).json() == []
    )
    # Another creditor's admin, even naming this creditor, sees nothing of it.
    theirs = b.headers(stranger)
    kpis = client.get("/api/v1/analytics/portfolio", params=params, headers=theirs).json()
    assert all(not kpis[k] for k in kpis if k not in ("date_from", "date_to"))
    page = client.get("/api/v1/analytics/accounts", params=params, headers=theirs).json()
    assert page == {"items": [], "next_cursor": None}
