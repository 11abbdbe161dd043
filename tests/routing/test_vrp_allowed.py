"""A candidate may name the agents allowed to visit it: the solver never gives it to another,
even one standing next to it, and drops it when none of them can (or none is named)."""

from __future__ import annotations

from backend.routing import vrp

DEG_PER_M = 1 / 111_320


def _at(metres: float) -> tuple[float, float]:
    return (-12.0 + metres * DEG_PER_M, -77.0)


def _agent(name: str, metres: float, end_s: int = 8 * 3600) -> vrp.Agent:
    return vrp.Agent(name, _at(metres), speed_mps=1.4, service_s=600, begin_s=0, end_s=end_s)


def test_candidates_go_only_to_the_agents_they_allow() -> None:
    near, far = _agent("near", 0), _agent("far", 20_000)
    candidates = [
        vrp.Candidate(f"far-{i}", *_at(100 * i + 50), value=100, agents=frozenset({"far"}))
        for i in range(4)
    ] + [vrp.Candidate("anyone", *_at(30), value=100)]
    found = vrp.plan([near, far], candidates, time_limit_s=0.5)
    assert {f"far-{i}" for i in range(4)} <= {v.stop_id for v in found.routes["far"]}
    assert {v.stop_id for v in found.routes["near"]} <= {"anyone"}
    assert found.dropped == []


def test_a_candidate_nobody_may_visit_or_whose_agent_is_full_is_dropped() -> None:
    short = _agent("short", 0, end_s=25 * 60)  # room for two visits
    idle = _agent("idle", 0)
    candidates = [
        vrp.Candidate(f"s-{i}", *_at(20 * i), value=10 * (i + 1), agents=frozenset({"short"}))
        for i in range(4)
    ] + [vrp.Candidate("orphan", *_at(10), value=1_000, agents=frozenset())]
    found = vrp.plan([short, idle], candidates)
    assert found.routes["idle"] == []
    assert {v.stop_id for v in found.routes["short"]} == {"s-3", "s-2"}
    assert found.dropped == ["orphan", "s-1", "s-0"]
