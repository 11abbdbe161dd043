"""Route quality benchmark: our visit order against OR-Tools, and against plain NN + 2-opt.

For each size, seeded random days inside a 15 km box around Lima (alternately uniform addresses
and clustered neighbourhoods, with the agent starting at a random point of the box) are solved by

* ours: :func:`backend.routing.tour.order_stops` with its defaults, timed end to end (distance
  matrix included), the median of ``--repeats`` runs per instance;
* the baseline: haversine matrix + nearest neighbour + plain best-improvement 2-opt, vectorised
  with numpy, timed the same way;
* the reference: OR-Tools routing (pywrapcp) with PATH_CHEAPEST_ARC and GUIDED_LOCAL_SEARCH for
  ``--ortools-seconds``; the open path is modelled with a dummy end node at zero distance.

All tour lengths are measured on the same haversine matrix. Prints a table, writes
``benchmarks/results/route_quality.json`` and, when matplotlib is installed,
``benchmarks/results/route_quality.png``.

Usage: ``python benchmarks/route_quality.py [--instances K] [--sizes 20,50,100,200]
[--ortools-seconds 5] [--repeats 5]``

``--team``: the team plan instead (``backend.routing.vrp.plan``, what ``POST /field/plans``
runs): ``--instances`` seeded days of 5 agents (on foot, motorbike, car; 08:00-17:00 with
staggered starts, 10-15 min a visit, starting at random points of the box) and 150 candidate
stops worth a log-normal collected-at-risk each, against a greedy per-agent baseline on the same
instances: every stop stays with the agent holding it (dealt round robin, as assignment does),
and each agent repeatedly walks to the stop of their own with the most value per second of
travel and visit that still fits in the shift. Reports the value covered (share of the value
of all candidates), the total travel and the solve time (target under 10 s, the solver's time
limit ``--team-seconds``); writes ``benchmarks/results/team_plan.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.routing.geo import haversine_matrix
from backend.routing.search import nearest_neighbour, path_length
from backend.routing.tour import order_stops

T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "results"
LIMA = (-12.06, -77.03)
#: Half the side of the box, degrees: 0.0675 deg of latitude is 7.5 km.
HALF_BOX_DEG = 0.0675


@dataclass(frozen=True, slots=True)
class Stop:
    id: int
    lat: float
    lon: float


def make_instance(size: int, seed: int) -> tuple[str, tuple[float, float], list[Stop]]:
    """A seeded day: even seeds uniform in the box, odd seeds in 3-8 Gaussian neighbourhoods."""
    rng = np.random.default_rng(seed * 1000 + size)
    box = HALF_BOX_DEG * np.array([1.0, 1.0 / np.cos(np.radians(LIMA[0]))])
    centre = np.array(LIMA)
    start = centre + rng.uniform(-1, 1, 2) * box
    if seed % 2 == 0:
        kind = "uniform"
        pts = centre + rng.uniform(-1, 1, (size, 2)) * box
    else:
        kind = "clustered"
        hubs = centre + rng.uniform(-0.8, 0.8, (int(rng.integers(3, 9)), 2)) * box
        spread = rng.uniform(0.05, 0.15, len(hubs))  # 0.4 to 1.1 km
        which = rng.integers(0, len(hubs), size)
        pts = hubs[which] + rng.normal(0, 1, (size, 2)) * box * spread[which, None]
    stops = [Stop(i, float(lat), float(lon)) for i, (lat, lon) in enumerate(pts)]
    return kind, (float(start[0]), float(start[1])), stops


def baseline_order(start: tuple[float, float], stops: list[Stop]) -> list[int]:
    """Nearest neighbour then best-improvement 2-opt over all pairs, vectorised; stop indices."""
    dist = haversine_matrix([start, *((s.lat, s.lon) for s in stops)])
    n = len(stops)
    ext = np.zeros((n + 2, n + 2))  # node n + 1: the end, at zero distance from everything
    ext[: n + 1, : n + 1] = dist
    tour = np.array([0, *nearest_neighbour(dist), n + 1])
    upper = np.triu(np.ones((n + 1, n + 1), dtype=bool), 1)
    while True:
        # Move (i, j): replace (t[i], t[i+1]) and (t[j], t[j+1]) by (t[i], t[j]), (t[i+1], t[j+1]).
        a, b = tour[:-1], tour[1:]
        delta = ext[a, b][:, None] + ext[a, b][None, :] - ext[a[:, None], a] - ext[b[:, None], b]
        delta[~upper] = 0.0
        i, j = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[i, j] <= 1e-6:
            return [int(node) - 1 for node in tour[1:-1]]
        tour[i + 1 : j + 1] = tour[i + 1 : j + 1][::-1]


def ortools_order(dist: np.ndarray, seconds: float) -> list[int]:
    """OR-Tools GLS on the open path (node 0 start, dummy end); centimetre integer costs."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = dist.shape[0] - 1
    cost = np.zeros((n + 2, n + 2), dtype=np.int64)
    cost[: n + 1, : n + 1] = np.rint(dist * 100).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n + 2, 1, [0], [n + 1])
    routing = pywrapcp.RoutingModel(manager)
    # A matrix rather than a Python callback, so the search never calls back into Python.
    transit = routing.RegisterTransitMatrix(cost.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    order: list[int] = []
    index = solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return order


def timed(fn: Callable[[], T], repeats: int) -> tuple[T, float]:
    """Result of ``fn()`` and the median wall time of ``repeats`` calls, in ms."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return result, statistics.median(times)


def run(sizes: list[int], instances: int, ortools_seconds: float, repeats: int) -> dict:
    """Solve every instance three ways; per-instance records and per-size summaries.

    A size's ``median_ms`` is the median over its instances of each one's median run time.
    """
    records = []
    total = len(sizes) * instances
    began = time.perf_counter()
    for size in sizes:
        for seed in range(instances):
            kind, start, stops = make_instance(size, seed)
            dist = haversine_matrix([start, *((s.lat, s.lon) for s in stops)])
            route, ours_ms = timed(
                lambda start=start, stops=stops: order_stops(start, stops), repeats
            )
            base, base_ms = timed(
                lambda start=start, stops=stops: baseline_order(start, stops), repeats
            )
            reference = path_length(dist, ortools_order(dist, ortools_seconds))
            ours = path_length(dist, [stop_id + 1 for stop_id in route.stop_ids])
            baseline = path_length(dist, [index + 1 for index in base])
            record = {
                "size": size,
                "seed": seed,
                "kind": kind,
                "ortools_m": round(reference, 1),
                "ours_m": round(ours, 1),
                "baseline_m": round(baseline, 1),
                "gap_pct": round(100 * (ours / reference - 1), 3),
                "baseline_gap_pct": round(100 * (baseline / reference - 1), 3),
                "ours_ms": round(ours_ms, 2),
                "baseline_ms": round(base_ms, 2),
            }
            records.append(record)
            done = len(records)
            eta = (time.perf_counter() - began) / done * (total - done)
            print(
                f"[{done:>3}/{total}] n={size:<4} seed={seed} {kind:<9} "
                f"gap {record['gap_pct']:+6.2f}%  ours {ours_ms:6.1f} ms  "
                f"baseline {record['baseline_gap_pct']:+6.2f}% {base_ms:6.1f} ms  "
                f"(about {eta:.0f} s left)",
                file=sys.stderr,
                flush=True,
            )
    summary = []
    for size in sizes:
        rows = [r for r in records if r["size"] == size]
        summary.append(
            {
                "size": size,
                "instances": len(rows),
                "mean_gap_pct": round(statistics.mean(r["gap_pct"] for r in rows), 3),
                "max_gap_pct": max(r["gap_pct"] for r in rows),
                "median_ms": round(statistics.median(r["ours_ms"] for r in rows), 2),
                "baseline_mean_gap_pct": round(
                    statistics.mean(r["baseline_gap_pct"] for r in rows), 3
                ),
                "baseline_median_ms": round(statistics.median(r["baseline_ms"] for r in rows), 2),
            }
        )
    return {"summary": summary, "instances": records}


def print_table(summary: list[dict]) -> None:
    print(
        f"{'stops':>5}  {'inst':>4}  {'mean gap':>8}  {'max gap':>8}  {'ours ms':>8}  "
        f"{'NN+2opt gap':>11}  {'NN+2opt ms':>10}"
    )
    for row in summary:
        print(
            f"{row['size']:>5}  {row['instances']:>4}  {row['mean_gap_pct']:>+7.2f}%  "
            f"{row['max_gap_pct']:>+7.2f}%  {row['median_ms']:>8.1f}  "
            f"{row['baseline_mean_gap_pct']:>+10.2f}%  {row['baseline_median_ms']:>10.1f}"
        )
    print("gap: tour length vs OR-Tools GLS (negative: shorter); ms: median, distance matrix incl.")


def plot(summary: list[dict], ortools_seconds: float, path: Path) -> bool:
    """Gap and time per size as a two-panel PNG; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = [row["size"] for row in summary]
    fig, (gap_ax, ms_ax) = plt.subplots(1, 2, figsize=(10, 4))
    gap_ax.plot(sizes, [r["mean_gap_pct"] for r in summary], "o-", label="ours (mean)")
    gap_ax.plot(sizes, [r["max_gap_pct"] for r in summary], "o:", label="ours (max)")
    gap_ax.plot(sizes, [r["baseline_mean_gap_pct"] for r in summary], "s-", label="NN + 2-opt")
    gap_ax.axhline(0, color="grey", linewidth=0.8)
    gap_ax.set(xlabel="stops", ylabel=f"% vs OR-Tools GLS {ortools_seconds:g} s", title="Length")
    gap_ax.legend()
    ms_ax.plot(sizes, [r["median_ms"] for r in summary], "o-", label="ours")
    ms_ax.plot(sizes, [r["baseline_median_ms"] for r in summary], "s-", label="NN + 2-opt")
    ms_ax.set(xlabel="stops", ylabel="median ms, matrix included", title="Time")
    ms_ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def team_instance(seed: int, agents: int = 5, stops: int = 150) -> tuple[list, list]:
    from backend.routing.vrp import Agent, Candidate

    rng = np.random.default_rng(seed)
    box = HALF_BOX_DEG * np.array([1.0, 1.0 / np.cos(np.radians(LIMA[0]))])
    speeds = [1.2, 5.5, 6.0, 1.2, 5.5]
    crew = [
        Agent(
            id=k,
            start=tuple(np.array(LIMA) + rng.uniform(-1, 1, 2) * box),  # type: ignore[arg-type]
            speed_mps=speeds[k % len(speeds)],
            service_s=int(rng.choice([600, 900])),
            begin_s=1800 * (k % 2),
            end_s=9 * 3600 + 1800 * (k % 2),
        )
        for k in range(agents)
    ]
    points = np.array(LIMA) + rng.uniform(-1, 1, (stops, 2)) * box
    values = np.rint(rng.lognormal(10, 1, stops))
    candidates = [
        Candidate(i, float(points[i, 0]), float(points[i, 1]), float(values[i]))
        for i in range(stops)
    ]
    return crew, candidates


def greedy_per_agent(crew: list, candidates: list) -> tuple[float, int]:
    """Value covered and metres travelled by the baseline of the module docstring."""
    covered, travelled = 0.0, 0
    for k, agent in enumerate(crew):
        own = [c for i, c in enumerate(candidates) if i % len(crew) == k]
        dist = haversine_matrix([agent.start] + [(c.lat, c.lon) for c in own])
        clock, here, left = agent.begin_s, 0, set(range(1, len(own) + 1))
        while left:
            best, best_rate = None, 0.0
            for j in left:
                spend = dist[here, j] / agent.speed_mps + agent.service_s
                if clock + spend <= agent.end_s and own[j - 1].value / spend > best_rate:
                    best, best_rate = j, own[j - 1].value / spend
            if best is None:
                break
            clock += dist[here, best] / agent.speed_mps + agent.service_s
            travelled += round(float(dist[here, best]))
            covered += own[best - 1].value
            left.discard(best)
            here = best
    return covered, travelled


def run_team(instances: int, seconds: float) -> dict:
    from backend.routing.vrp import plan

    rows = []
    for seed in range(instances):
        crew, candidates = team_instance(seed)
        total = sum(c.value for c in candidates)
        started = time.perf_counter()
        found = plan(crew, candidates, time_limit_s=seconds)
        elapsed = time.perf_counter() - started
        dropped = set(found.dropped)
        value = sum(c.value for c in candidates if c.id not in dropped)
        greedy_value, greedy_m = greedy_per_agent(crew, candidates)
        rows.append(
            {
                "seed": seed,
                "value_pct": round(100 * value / total, 2),
                "travel_km": round(found.total_m / 1000, 1),
                "stops": len(candidates) - len(dropped),
                "solve_s": round(elapsed, 2),
                "greedy_value_pct": round(100 * greedy_value / total, 2),
                "greedy_travel_km": round(greedy_m / 1000, 1),
            }
        )
        print(
            f"seed {seed}: team plan {rows[-1]['value_pct']:.1f}% of value, "
            f"{rows[-1]['travel_km']} km, {rows[-1]['stops']} stops, {elapsed:.2f} s | greedy "
            f"{rows[-1]['greedy_value_pct']:.1f}%, {rows[-1]['greedy_travel_km']} km"
        )
    return {"instances": rows, "time_limit_s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=5, help="seeded instances per size")
    parser.add_argument("--sizes", default="20,50,100,200", help="comma-separated stop counts")
    parser.add_argument("--ortools-seconds", type=float, default=5.0, help="reference time limit")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per instance")
    parser.add_argument("--team", action="store_true", help="the team plan benchmark instead")
    parser.add_argument("--team-seconds", type=float, default=8.0, help="team plan time limit")
    args = parser.parse_args()
    if args.team:
        RESULTS.mkdir(exist_ok=True)
        team = run_team(args.instances, args.team_seconds)
        team["settings"] = {"python": platform.python_version(), "machine": platform.machine()}
        (RESULTS / "team_plan.json").write_text(json.dumps(team, indent=2) + "\n")
        print(f"wrote {RESULTS / 'team_plan.json'}")
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"{len(sizes) * args.instances} instances, OR-Tools {args.ortools_seconds:g} s each: "
        f"about {len(sizes) * args.instances * args.ortools_seconds:.0f} s",
        file=sys.stderr,
    )
    result = run(sizes, args.instances, args.ortools_seconds, args.repeats)
    print_table(result["summary"])

    RESULTS.mkdir(exist_ok=True)
    result["settings"] = {
        "sizes": sizes,
        "instances": args.instances,
        "ortools_seconds": args.ortools_seconds,
        "repeats": args.repeats,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    json_path = RESULTS / "route_quality.json"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {json_path}")
    png_path = RESULTS / "route_quality.png"
    if plot(result["summary"], args.ortools_seconds, png_path):
        print(f"wrote {png_path}")
    else:
        print("matplotlib is not installed: no chart (the JSON has every figure)")


if __name__ == "__main__":
    main()
