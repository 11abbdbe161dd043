"""Field days as vehicle routing with OR-Tools: which stops each agent visits, in which order,
inside their shift.

:func:`plan` is pure (no I/O). Each :class:`Agent` is a vehicle with its own start place,
speed, minutes per visit and shift; each :class:`Candidate` is an optional stop worth
``value``: leaving it out costs its value, so when the shifts cannot hold every stop the
least valuable ones are dropped first. Among plans that keep the same stops the solver prefers
the shorter total travel. Routes are open (the agent does not come back): every route ends at
a dummy node zero metres from everything.

Times are whole seconds from an origin the caller chooses (the earliest shift start, say):
an agent leaves its start at ``begin_s``, every visit (``service_s``) is over by ``end_s``, and a
stop is reached inside its window ``[opens_s, closes_s]`` (waiting at the door is allowed) and
only by the agents it allows (``Candidate.agents``: the team plan keeps each debtor with the
agent holding the debtor's accounts).
Distances are straight-line metres (:func:`backend.routing.geo.haversine_matrix`); the matrices
are handed to the solver as matrices (``RegisterTransitMatrix``), so the search runs in C++
without calling back into Python.

Search: parallel cheapest insertion, then guided local search until ``time_limit_s`` when one is
given (else the first local optimum). The solver is told the limit through its search
parameters, so a plan always comes back in time.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from backend.routing.geo import LatLon, haversine_matrix

#: Penalty of dropping the most valuable candidate, in metres of travel: every candidate's
#: penalty is its value scaled to this, so value always outweighs distance except between
#: near-worthless stops.
VALUE_SCALE = 10_000_000


@dataclass(frozen=True, slots=True)
class Agent:
    id: Hashable
    start: LatLon
    speed_mps: float
    service_s: int
    begin_s: int
    end_s: int


@dataclass(frozen=True, slots=True)
class Candidate:
    id: Hashable
    lat: float
    lon: float
    value: float
    opens_s: int = 0
    closes_s: int | None = None
    #: The agents allowed to visit it (None: any of them; empty: nobody, so it is dropped).
    agents: frozenset[Hashable] | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    stop_id: Hashable
    #: Seconds from the origin the agent arrives (after any wait for the stop's window).
    arrival_s: int
    leg_m: int
    cumulative_m: int


@dataclass(frozen=True, slots=True)
class Plan:
    routes: dict[Hashable, list[Visit]]
    #: Candidates nobody visits, most valuable first.
    dropped: list[Hashable]

    def travel_m(self, agent_id: Hashable) -> int:
        visits = self.routes[agent_id]
        return visits[-1].cumulative_m if visits else 0

    @property
    def total_m(self) -> int:
        return sum(self.travel_m(agent) for agent in self.routes)


def plan(
    agents: Sequence[Agent],
    candidates: Sequence[Candidate],
    *,
    time_limit_s: float | None = None,
) -> Plan:
    """Each agent's visits in order, and the candidates left out. Raises ``ValueError`` for
    duplicate ids, a non-positive speed or a shift that ends before it begins."""
    if len({c.id for c in candidates}) != len(candidates):
        raise ValueError("candidate ids must be unique")
    if len({a.id for a in agents}) != len(agents):
        raise ValueError("agent ids must be unique")
    for agent in agents:
        if not agent.speed_mps > 0 or agent.end_s < agent.begin_s or agent.service_s < 0:
            raise ValueError(f"agent {agent.id!r}: invalid speed, service time or shift")
    if not agents or not candidates:
        return Plan({a.id: [] for a in agents}, _by_value(candidates, candidates))

    # Nodes: the candidates, then each agent's start, then the shared dummy end.
    n, m = len(candidates), len(agents)
    points = [(c.lat, c.lon) for c in candidates] + [a.start for a in agents]
    metres = haversine_matrix(points)
    dist = np.zeros((n + m + 1, n + m + 1), dtype=np.int64)
    dist[: n + m, : n + m] = np.rint(metres)
    dist[:, n + m] = 0  # to the end: free
    dist[n + m, :] = 0
    end = n + m
    manager = pywrapcp.RoutingIndexManager(n + m + 1, m, [n + k for k in range(m)], [end] * m)
    routing = pywrapcp.RoutingModel(manager)

    by_index = _index_matrix(manager, routing, dist)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(by_index.tolist()))
    transits = []
    horizon = max(a.end_s for a in agents)
    for agent in agents:
        seconds = np.ceil(dist / agent.speed_mps).astype(np.int64)
        seconds[:n, :] += agent.service_s  # leaving a stop: its visit is done
        transits.append(
            routing.RegisterTransitMatrix(_index_matrix(manager, routing, seconds).tolist())
        )
    routing.AddDimensionWithVehicleTransits(transits, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for k, agent in enumerate(agents):
        time.CumulVar(routing.Start(k)).SetRange(agent.begin_s, agent.begin_s)
        time.CumulVar(routing.End(k)).SetRange(agent.begin_s, agent.end_s)
    top = max(c.value for c in candidates) or 1
    for i, candidate in enumerate(candidates):
        index = manager.NodeToIndex(i)
        closes = horizon if candidate.closes_s is None else min(candidate.closes_s, horizon)
        allowed = [k for k, a in enumerate(agents) if _allows(candidate, a)]
        if candidate.opens_s > closes or not allowed:
            routing.AddDisjunction([index], 0)
            routing.solver().Add(routing.ActiveVar(index) == 0)
            continue
        time.CumulVar(index).SetRange(max(candidate.opens_s, 0), closes)
        routing.AddDisjunction([index], 1 + round(VALUE_SCALE * max(candidate.value, 0) / top))
        if len(allowed) < m:
            routing.SetAllowedVehiclesForIndex(allowed, index)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    if time_limit_s is not None:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:  # no plan at all (cannot happen: empty routes are always feasible)
        return Plan({a.id: [] for a in agents}, _by_value(candidates, candidates))

    routes: dict[Hashable, list[Visit]] = {}
    served: set[int] = set()
    for k, agent in enumerate(agents):
        visits: list[Visit] = []
        index = solution.Value(routing.NextVar(routing.Start(k)))
        previous, cumulative = n + k, 0
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            leg = int(dist[previous, node])
            cumulative += leg
            arrival = solution.Min(time.CumulVar(index))
            visits.append(Visit(candidates[node].id, arrival, leg, cumulative))
            served.add(node)
            previous = node
            index = solution.Value(routing.NextVar(index))
        routes[agent.id] = visits
    left = [c for i, c in enumerate(candidates) if i not in served]
    return Plan(routes, _by_value(left, candidates))


def _allows(candidate: Candidate, agent: Agent) -> bool:
    return candidate.agents is None or agent.id in candidate.agents


def _index_matrix(
    manager: pywrapcp.RoutingIndexManager, routing: pywrapcp.RoutingModel, by_node: np.ndarray
) -> np.ndarray:
    """A node matrix re-indexed by the solver's variable indices (starts and ends of vehicles
    get indices of their own)."""
    nodes = np.array([manager.IndexToNode(i) for i in range(routing.Size() + routing.vehicles())])
    return by_node[np.ix_(nodes, nodes)]


def _by_value(left: Sequence[Candidate], everyone: Sequence[Candidate]) -> list[Hashable]:
    order = {c.id: i for i, c in enumerate(everyone)}
    return [c.id for c in sorted(left, key=lambda c: (-c.value, order[c.id]))]


__all__ = ["Agent", "Candidate", "Plan", "Visit", "plan"]
