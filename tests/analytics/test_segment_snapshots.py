"""The segment filter narrows aging, roll and cure rates: the snapshots record each account's
stored segment when they are written. On the synthetic history (``history.py``) with acc1
and acc2 in "chicos" and acc3, acc4 and acc5 in "grandes", worked out by hand:

| figure          | chicos                          | grandes                                 |
|-----------------|---------------------------------|-----------------------------------------|
| aging 01-31     | 1-30: acc1 10,000 + acc2 20,000 | 1-30: acc5 50,000                       |
| aging 02-28     | 31-60: acc1 10,000              | current acc4 40,000, 1-30 acc3 30,000,  |
|                 |                                 | 31-60 acc5 50,000                       |
| aging 03-31     | 61-90: acc1 10,000              | 1-30 acc4 35,000, 31-60 acc3 20,000,    |
|                 |                                 | 61-90 acc5 50,000                       |
| roll February   | 1-30 -> 31-60 acc1, -> paid acc2| 1-30 -> 31-60 acc5                      |
| roll March      | 31-60 -> 61-90 acc1             | current -> 1-30 acc4, 1-30 -> 31-60     |
|                 |                                 | acc3, 31-60 -> 61-90 acc5               |
| cure February   | 1 of 2 (acc2 paid)              | 0 of 1                                  |
| cure March      | 0 of 1                          | 0 of 2                                  |

Unfiltered, each figure is the two segments' sum (``test_kpis.py`` asserts the same totals).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from backend.analytics import snapshots
from backend.analytics.models import AgingSnapshot, RollSnapshot
from backend.segments.models import AccountSegment
from tests.analytics.history import History, build, d
from tests.analytics.test_kpis import aging_of, behind, get, ids

SEGMENTS = {1: "chicos", 2: "chicos", 3: "grandes", 4: "grandes", 5: "grandes"}
DAYS = ("2026-01-31", "2026-02-28", "2026-03-31")


def _write(session: Session, h: History) -> None:
    for day in (d(1, 31), d(2, 28), d(3, 31)):
        snapshots.write_aging(session, h.portfolio.id, day)
    for month in (d(2, 1), d(3, 1)):
        snapshots.write_rolls(session, h.portfolio.id, month)
    session.flush()


@pytest.fixture
def h(session: Session) -> History:
    history = build(session)
    for number, segment in SEGMENTS.items():
        session.add(
            AccountSegment(
                account_id=history.acc[number].id,
                portfolio_id=history.portfolio.id,
                segment=segment,
            )
        )
    session.flush()
    _write(session, history)
    return history


def _rolls(kpis: dict[str, Any]) -> dict[tuple[str, str, str], tuple[int, int, float]]:
    return {
        (r["month"], r["from_bucket"], r["to_bucket"]): (
            r["accounts"],
            r["balance_minor"],
            r["rate"],
        )
        for r in kpis["rolls"]
    }


def _cure(kpis: dict[str, Any]) -> list[tuple[str, int, int, float | None]]:
    return [(c["month"], c["delinquent"], c["cured"], c["rate"]) for c in kpis["cure"]]


def test_aging_per_segment(client: TestClient, h: History) -> None:
    chicos = get(client, h.admin, "portfolio", h, segment="chicos")
    assert [aging_of(chicos, day) for day in DAYS] == [
        {"1-30": (2, 30_000)},
        {"31-60": (1, 10_000)},
        {"61-90": (1, 10_000)},
    ]
    grandes = get(client, h.admin, "portfolio", h, segment="grandes")
    assert [aging_of(grandes, day) for day in DAYS] == [
        {"1-30": (1, 50_000)},
        {"current": (1, 40_000), "1-30": (1, 30_000), "31-60": (1, 50_000)},
        {"1-30": (1, 35_000), "31-60": (1, 20_000), "61-90": (1, 50_000)},
    ]
    # With the team's reach too: supervisor S leads acc1..acc4's agents, not acc5's.
    team = get(client, h.s, "portfolio", h, segment="grandes")
    assert aging_of(team, "2026-02-28") == {"current": (1, 40_000), "1-30": (1, 30_000)}
    assert get(client, h.admin, "portfolio", h, segment="nadie")["aging"] == []


def test_roll_and_cure_rates_per_segment(client: TestClient, h: History) -> None:
    chicos = get(client, h.admin, "portfolio", h, segment="chicos")
    assert _rolls(chicos) == {
        ("2026-02-01", "1-30", "31-60"): (1, 10_000, 0.5),
        ("2026-02-01", "1-30", "paid"): (1, 20_000, 0.5),
        ("2026-03-01", "31-60", "61-90"): (1, 10_000, 1.0),
    }
    assert _cure(chicos) == [("2026-02-01", 2, 1, 0.5), ("2026-03-01", 1, 0, 0.0)]
    grandes = get(client, h.admin, "portfolio", h, segment="grandes")
    assert _rolls(grandes) == {
        ("2026-02-01", "1-30", "31-60"): (1, 50_000, 1.0),
        ("2026-03-01", "current", "1-30"): (1, 40_000, 1.0),
        ("2026-03-01", "1-30", "31-60"): (1, 30_000, 1.0),
        ("2026-03-01", "31-60", "61-90"): (1, 50_000, 1.0),
    }
    assert _cure(grandes) == [("2026-02-01", 1, 0, 0.0), ("2026-03-01", 2, 0, 0.0)]


def test_without_a_segment_the_figures_are_the_sum_of_the_segments(
    client: TestClient, h: History
) -> None:
    every = get(client, h.admin, "portfolio", h)
    parts = [get(client, h.admin, "portfolio", h, segment=s) for s in ("chicos", "grandes")]

    def aging(kpis: dict[str, Any]) -> Counter[tuple[str, str, str]]:
        found: Counter[tuple[str, str, str]] = Counter()
        for a in kpis["aging"]:
            found[(a["day"], a["bucket"], "accounts")] += a["accounts"]
            found[(a["day"], a["bucket"], "balance")] += a["balance_minor"]
        return found

    def rolls(kpis: dict[str, Any]) -> Counter[tuple[str, str, str, str]]:
        found: Counter[tuple[str, str, str, str]] = Counter()
        for r in kpis["rolls"]:
            cell = (r["month"], r["from_bucket"], r["to_bucket"])
            found[(*cell, "accounts")] += r["accounts"]
            found[(*cell, "balance")] += r["balance_minor"]
        return found

    def cure(kpis: dict[str, Any]) -> Counter[tuple[str, str]]:
        found: Counter[tuple[str, str]] = Counter()
        for c in kpis["cure"]:
            found[(c["month"], "delinquent")] += c["delinquent"]
            found[(c["month"], "cured")] += c["cured"]
        return found

    for measure in (aging, rolls, cure):
        assert measure(every) == measure(parts[0]) + measure(parts[1]), measure.__name__
    assert _cure(every) == [("2026-02-01", 3, 1, 0.3333), ("2026-03-01", 3, 0, 0.0)]


def test_the_drill_down_keeps_to_the_segment(client: TestClient, h: History) -> None:
    admin = h.admin
    assert behind(client, admin, h, "aging:2026-02-28:31-60") == ids(h, 1, 5)
    assert behind(client, admin, h, "aging:2026-02-28:31-60", segment="chicos") == ids(h, 1)
    assert behind(client, admin, h, "aging:2026-02-28:31-60", segment="grandes") == ids(h, 5)
    assert behind(client, admin, h, "roll:2026-02:1-30:31-60", segment="grandes") == ids(h, 5)
    assert behind(client, admin, h, "roll:2026-02:1-30:paid", segment="chicos") == ids(h, 2)
    assert behind(client, admin, h, "roll:2026-02:1-30:paid", segment="grandes") == set()
    assert behind(client, admin, h, "cure:2026-02", segment="chicos") == ids(h, 2)
    assert behind(client, admin, h, "cure:2026-02", segment="grandes") == set()
    assert behind(client, admin, h, "cure:2026-03", segment="grandes") == set()


def test_a_snapshot_keeps_the_segment_it_was_written_with(
    client: TestClient, session: Session, h: History
) -> None:
    moved = session.get(AccountSegment, h.acc[5].id)
    assert moved is not None
    moved.segment = "chicos"
    session.add(moved)
    session.flush()
    grandes = get(client, h.admin, "portfolio", h, segment="grandes")
    assert aging_of(grandes, "2026-01-31") == {"1-30": (1, 50_000)}  # written before the move
    snapshots.write_aging(session, h.portfolio.id, d(1, 31))
    grandes = get(client, h.admin, "portfolio", h, segment="grandes")
    assert aging_of(grandes, "2026-01-31") == {}
    chicos = get(client, h.admin, "portfolio", h, segment="chicos")
    assert aging_of(chicos, "2026-01-31") == {"1-30": (3, 80_000)}


def _keys(session: Session, h: History) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    aging = session.execute(
        select(
            AgingSnapshot.day,
            AgingSnapshot.agent_id,
            AgingSnapshot.segment,
            AgingSnapshot.bucket,
            AgingSnapshot.accounts,
            AgingSnapshot.balance_minor,
        ).where(AgingSnapshot.portfolio_id == h.portfolio.id)
    )
    rolls = session.execute(
        select(
            RollSnapshot.month,
            RollSnapshot.agent_id,
            RollSnapshot.segment,
            RollSnapshot.from_bucket,
            RollSnapshot.to_bucket,
            RollSnapshot.accounts,
            RollSnapshot.balance_minor,
        ).where(RollSnapshot.portfolio_id == h.portfolio.id)
    )
    return sorted(map(tuple, aging), key=str), sorted(map(tuple, rolls), key=str)


def test_a_rerun_writes_nothing_twice(session: Session, h: History) -> None:
    first = _keys(session, h)
    _write(session, h)
    again = _keys(session, h)
    assert again == first
    for rows in again:
        keys = [row[:-2] for row in rows]
        assert len(keys) == len(set(keys))  # one row per day, agent, segment and state
    aging = Counter((row[0], row[2]) for row in again[0])
    # 02-28: A2's current and 1-30 (grandes), A1's 31-60 (chicos), B1's 31-60 (grandes).
    assert aging[(d(2, 28), "grandes")] == 3 and aging[(d(2, 28), "chicos")] == 1


def test_an_account_without_a_segment_counts_only_unfiltered(
    client: TestClient, session: Session, h: History
) -> None:
    gone = session.get(AccountSegment, h.acc[1].id)
    assert gone is not None
    session.delete(gone)
    session.flush()
    snapshots.write_aging(session, h.portfolio.id, d(3, 31))
    every = get(client, h.admin, "portfolio", h)
    assert aging_of(every, "2026-03-31")["61-90"] == (2, 60_000)
    chicos = get(client, h.admin, "portfolio", h, segment="chicos")
    assert aging_of(chicos, "2026-03-31") == {}
    rows = session.execute(
        select(AgingSnapshot.segment, AgingSnapshot.accounts).where(
            AgingSnapshot.portfolio_id == h.portfolio.id,
            AgingSnapshot.day == d(3, 31),
            AgingSnapshot.segment.is_(None),
        )
    ).all()
    assert [tuple(r) for r in rows] == [(None, 1)]
