"""Every KPI of the synthetic history (``history.py``), asserted against the values worked
out by hand, for an admin and for the supervisors of each team; and the accounts behind each
figure."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.analytics import snapshots
from backend.segments.models import AccountSegment
from tests import builders as b
from tests.analytics.history import History, build, d

WINDOW = {"date_from": "2026-01-01", "date_to": "2026-03-31"}


@pytest.fixture
def h(session: Session) -> History:
    history = build(session)
    for day in (d(1, 31), d(2, 28), d(3, 31)):
        snapshots.write_aging(session, history.portfolio.id, day)
    for month in (d(2, 1), d(3, 1)):
        snapshots.write_rolls(session, history.portfolio.id, month)
    session.flush()
    return history


def get(client: TestClient, who: Any, path: str, h: History, **params: str) -> Any:
    answer = client.get(
        f"/api/v1/analytics/{path}",
        params={**WINDOW, "portfolio_id": str(h.portfolio.id), **params},
        headers=b.headers(who),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def behind(client: TestClient, who: Any, h: History, figure: str, **params: str) -> set[str]:
    found: set[str] = set()
    cursor = None
    while True:
        extra = {"figure": figure, "limit": "2", **params}
        if cursor:
            extra["cursor"] = cursor
        page = get(client, who, "accounts", h, **extra)
        found |= {row["id"] for row in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def ids(h: History, *numbers: int) -> set[str]:
    return {str(i) for i in h.ids(*numbers)}


def aging_of(kpis: dict[str, Any], day: str) -> dict[str, tuple[int, int]]:
    return {
        a["bucket"]: (a["accounts"], a["balance_minor"]) for a in kpis["aging"] if a["day"] == day
    }


def test_aging_by_bucket_over_time(client: TestClient, h: History) -> None:
    kpis = get(client, h.admin, "portfolio", h)
    assert aging_of(kpis, "2026-01-31") == {"1-30": (3, 80_000)}
    assert aging_of(kpis, "2026-02-28") == {
        "current": (1, 40_000),
        "1-30": (1, 30_000),
        "31-60": (2, 60_000),
    }
    assert aging_of(kpis, "2026-03-31") == {
        "1-30": (1, 35_000),
        "31-60": (1, 20_000),
        "61-90": (2, 60_000),
    }
    team = get(client, h.s, "portfolio", h)
    assert aging_of(team, "2026-02-28") == {
        "current": (1, 40_000),
        "1-30": (1, 30_000),
        "31-60": (1, 10_000),
    }
    other = get(client, h.s2, "portfolio", h)
    assert aging_of(other, "2026-03-31") == {"61-90": (1, 50_000)}


def test_roll_and_cure_rates(client: TestClient, h: History) -> None:
    kpis = get(client, h.admin, "portfolio", h)
    rolls = {
        (r["month"], r["from_bucket"], r["to_bucket"]): (
            r["accounts"],
            r["balance_minor"],
            r["rate"],
        )
        for r in kpis["rolls"]
    }
    assert rolls == {
        ("2026-02-01", "1-30", "31-60"): (2, 60_000, 0.6667),
        ("2026-02-01", "1-30", "paid"): (1, 20_000, 0.3333),
        ("2026-03-01", "current", "1-30"): (1, 40_000, 1.0),
        ("2026-03-01", "1-30", "31-60"): (1, 30_000, 1.0),
        ("2026-03-01", "31-60", "61-90"): (2, 60_000, 1.0),
    }
    assert [(c["month"], c["delinquent"], c["cured"], c["rate"]) for c in kpis["cure"]] == [
        ("2026-02-01", 3, 1, 0.3333),
        ("2026-03-01", 3, 0, 0.0),
    ]
    team = get(client, h.s, "portfolio", h)
    assert [(c["delinquent"], c["cured"], c["rate"]) for c in team["cure"]] == [
        (2, 1, 0.5),
        (2, 0, 0.0),
    ]


def test_recovery_curves_by_placement_cohort(client: TestClient, h: History) -> None:
    kpis = get(client, h.admin, "portfolio", h)
    cohorts = {
        c["cohort"]: (
            c["accounts"],
            c["placed_minor"],
            [(s["collected_minor"], s["rate"]) for s in c["curve"]],
        )
        for c in kpis["cohorts"]
    }
    assert cohorts == {
        "2026-01-01": (3, 80_000, [(0, 0.0), (20_000, 0.25), (20_000, 0.25), (20_000, 0.25)]),
        "2026-02-01": (2, 70_000, [(0, 0.0), (15_000, 0.2143), (15_000, 0.2143)]),
    }


def test_promises_made_kept_partial_broken_with_amounts(client: TestClient, h: History) -> None:
    (pen,) = get(client, h.admin, "portfolio", h)["promises"]
    assert pen == {
        "currency": "PEN",
        "made": 4,
        "kept": 1,
        "partially_kept": 1,
        "broken": 1,
        "open": 1,
        "made_minor": 26_000,
        "kept_minor": 5_000,
        "partially_kept_minor": 8_000,
        "broken_minor": 6_000,
        "received_minor": 8_000,
        "kept_rate": 0.3333,
    }
    (team,) = get(client, h.s, "portfolio", h)["promises"]
    assert (team["made"], team["open"], team["made_minor"]) == (3, 0, 19_000)


def test_plan_survival_after_one_two_three_instalments(client: TestClient, h: History) -> None:
    survival = get(client, h.admin, "portfolio", h)["plan_survival"]
    assert [(s["instalments"], s["plans"], s["current"], s["rate"]) for s in survival] == [
        (1, 2, 1, 0.5),
        (2, 2, 1, 0.5),
        (3, 1, 0, 0.0),
    ]


def test_collected_by_channel(client: TestClient, h: History) -> None:
    collected = get(client, h.admin, "portfolio", h)["collected"]
    assert {(c["channel"], c["payments"], c["amount_minor"]) for c in collected} == {
        ("bank_statement", 1, 10_000),
        ("chat", 1, 5_000),
        ("field", 1, 20_000),
    }


def test_agents(client: TestClient, h: History) -> None:
    lines = {a["name"]: a for a in get(client, h.admin, "agents", h)}
    a1 = lines["Ana Uno"]
    assert (a1["visits"], a1["far_visits"], a1["contacts"], a1["contact_rate"]) == (3, 1, 2, 0.6667)
    assert (a1["promises"], a1["promises_kept"], a1["kept_rate"]) == (2, 1, 0.5)
    assert a1["collected"] == [{"currency": "PEN", "amount_minor": 20_000}]
    assert (a1["route_m"], a1["stop_minutes"]) == (2_224, 50)
    a2 = lines["Beto Dos"]
    assert (a2["visits"], a2["contacts"], a2["contact_rate"], a2["stop_minutes"]) == (1, 1, 1.0, 45)
    assert (a2["promises"], a2["kept_rate"], a2["collected"], a2["route_m"]) == (1, 0.0, [], 0)
    # A supervisor compares their own team only.
    assert [a["name"] for a in get(client, h.s, "agents", h)] == ["Ana Uno", "Beto Dos"]
    assert [a["name"] for a in get(client, h.s2, "agents", h)] == ["Carla Tres"]


def test_channels_and_steps(client: TestClient, h: History) -> None:
    steps = {(c["channel"], c["step"]): c for c in get(client, h.admin, "channels", h)}
    assert steps == {
        ("sms", "d3"): {
            "channel": "sms",
            "step": "d3",
            "sent": 1,
            "delivered": 0,
            "read": 0,
            "replied": 0,
            "paid_7d": 0,
            "opt_outs": 0,
        },
        ("whatsapp", "d1"): {
            "channel": "whatsapp",
            "step": "d1",
            "sent": 3,
            "delivered": 2,
            "read": 1,
            "replied": 1,
            "paid_7d": 2,
            "opt_outs": 1,
        },
    }


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ("aging:2026-02-28:31-60", (1, 5)),
        ("aging:2026-03-31:1-30", (4,)),
        ("roll:2026-02:1-30:paid", (2,)),
        ("roll:2026-03:31-60:61-90", (1, 5)),
        ("cure:2026-02", (2,)),
        ("cohort:2026-02", (3, 4)),
        ("promises:made", (1, 3, 5)),
        ("promises:kept", (1,)),
        ("promises:partially_kept", (3,)),
        ("survival:1:lapsed", (4,)),
        ("survival:3:all", (3,)),
        ("collected:chat", (4,)),
        ("collected:field", (2,)),
        ("channel:whatsapp:d1:paid", (3, 4)),
        ("channel:whatsapp:d1:replied", (1,)),
        ("channel:whatsapp:d1:opted_out", (4,)),
        ("channel:sms:d3:sent", (1,)),
    ],
)
def test_each_figure_drills_down_to_its_accounts(
    client: TestClient, h: History, figure: str, expected: tuple[int, ...]
) -> None:
    assert behind(client, h.admin, h, figure) == ids(h, *expected)


def test_agent_figures_drill_down(client: TestClient, h: History) -> None:
    a1 = f"agent:{h.a1.id}"
    assert behind(client, h.admin, h, f"{a1}:visits") == ids(h, 1, 2)
    assert behind(client, h.admin, h, f"{a1}:far") == ids(h, 2)
    assert behind(client, h.admin, h, f"{a1}:kept") == ids(h, 1)
    assert behind(client, h.admin, h, f"{a1}:collected") == ids(h, 2)


def test_a_supervisor_drills_into_their_team_only(client: TestClient, h: History) -> None:
    assert behind(client, h.s, h, "aging:2026-02-28:31-60") == ids(h, 1)
    assert behind(client, h.s2, h, "aging:2026-02-28:31-60") == ids(h, 5)
    assert behind(client, h.s2, h, "collected:field") == set()
    assert behind(client, h.s, h, "") == ids(h, 1, 2, 3, 4)


def test_the_agent_filter(client: TestClient, h: History) -> None:
    kpis = get(client, h.admin, "portfolio", h, agent_id=str(h.a2.id))
    assert aging_of(kpis, "2026-03-31") == {"1-30": (1, 35_000), "31-60": (1, 20_000)}
    assert [a["name"] for a in get(client, h.admin, "agents", h, agent_id=str(h.a2.id))] == [
        "Beto Dos"
    ]


def test_the_creditor_filter(client: TestClient, session: Session, h: History) -> None:
    elsewhere = b.creditor(session)
    kpis = get(client, h.admin, "portfolio", h, creditor_id=str(elsewhere.id))
    assert kpis["aging"] == [] and kpis["promises"] == []
    mine = get(client, h.admin, "portfolio", h, creditor_id=str(h.portfolio.creditor_id))
    assert aging_of(mine, "2026-01-31") == {"1-30": (3, 80_000)}


def test_the_segment_filter(client: TestClient, session: Session, h: History) -> None:
    for number, segment in ((1, None), (2, "grandes"), (3, "grandes"), (4, "chicos")):
        session.add(
            AccountSegment(
                account_id=h.acc[number].id, portfolio_id=h.portfolio.id, segment=segment
            )
        )
    session.flush()
    kpis = get(client, h.admin, "portfolio", h, segment="grandes")
    assert {(c["channel"], c["amount_minor"]) for c in kpis["collected"]} == {
        ("bank_statement", 10_000),
        ("field", 20_000),
    }
    assert {c["cohort"]: (c["accounts"], c["placed_minor"]) for c in kpis["cohorts"]} == {
        "2026-01-01": (1, 20_000),
        "2026-02-01": (1, 30_000),
    }
    rows = get(client, h.admin, "accounts", h, segment="grandes")["items"]
    assert {(r["id"], r["segment"]) for r in rows} == {
        (str(h.acc[2].id), "grandes"),
        (str(h.acc[3].id), "grandes"),
    }
    everyone = get(client, h.admin, "accounts", h)["items"]
    assert {r["segment"] for r in everyone} == {None, "grandes", "chicos"}
    assert behind(client, h.s, h, "collected:chat", segment="chicos") == ids(h, 4)
    assert behind(client, h.s2, h, "", segment="grandes") == set()  # not their team
    assert get(client, h.admin, "portfolio", h, segment="nadie")["collected"] == []
