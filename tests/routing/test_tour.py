"""Visit order: distances, path validity, quality against simple bounds, edge cases."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from backend.routing.geo import geodesic_m, haversine_matrix
from backend.routing.search import nearest_neighbour, path_length, solve_open_path
from backend.routing.tour import Route, order_stops

LIMA = (-12.06, -77.03)


@dataclass(frozen=True)
class Stop:
    id: object
    lat: float | None
    lon: float | None


def random_day(n: int, seed: int, spread_deg: float = 0.07) -> tuple[tuple[float, float], list]:
    rng = np.random.default_rng(seed)
    pts = np.array(LIMA) + rng.uniform(-spread_deg, spread_deg, (n + 1, 2))
    start = (float(pts[0, 0]), float(pts[0, 1]))
    return start, [Stop(f"s{i}", float(lat), float(lon)) for i, (lat, lon) in enumerate(pts[1:])]


def matrix_of(start: tuple[float, float], stops: list[Stop]) -> np.ndarray:
    return haversine_matrix([start, *((s.lat, s.lon) for s in stops)])


def length_of(route: Route, start: tuple[float, float], stops: list[Stop]) -> float:
    """Float length of the route's open path, recomputed independently of the legs."""
    index = {s.id: i + 1 for i, s in enumerate(stops)}
    return path_length(matrix_of(start, stops), [index[i] for i in route.stop_ids])


def test_haversine_is_within_0_6_percent_of_geodesic() -> None:
    rng = np.random.default_rng(7)
    near = np.array(LIMA) + rng.uniform(-0.1, 0.1, (40, 2))
    far = np.column_stack([rng.uniform(-85, 85, 40), rng.uniform(-180, 180, 40)])
    for pts in (near, far):
        matrix = haversine_matrix(pts)
        assert np.allclose(matrix, matrix.T)
        assert np.all(np.diag(matrix) == 0)
        for i, j in itertools.combinations(range(len(pts)), 2):
            exact = geodesic_m(tuple(pts[i]), tuple(pts[j]))
            assert abs(matrix[i, j] - exact) <= 0.006 * exact


def test_geodesic_of_a_known_pair() -> None:
    # The first degree of latitude from the equator on the WGS-84 ellipsoid is 110,574 m.
    assert geodesic_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(110_574, abs=1)


@pytest.mark.parametrize("n", [3, 10, 37, 120])
def test_route_is_an_open_path_through_every_stop(n: int) -> None:
    start, stops = random_day(n, seed=n)
    route = order_stops(start, stops, speed_mps=2.0, service_minutes=5)
    assert sorted(route.stop_ids) == sorted(s.id for s in stops)
    assert route.unlocated_ids == ()

    by_id = {s.id: s for s in stops}
    prev = start
    cumulative = 0
    for leg in route.legs:
        here = (by_id[leg.stop_id].lat, by_id[leg.stop_id].lon)
        expected = haversine_matrix([prev, here])[0, 1]
        assert abs(leg.distance_m - expected) <= 0.5 + 1e-6
        cumulative += leg.distance_m
        assert leg.cumulative_m == cumulative
        prev = here
    assert route.total_m == cumulative  # no leg back to the start
    assert abs(route.total_m - length_of(route, start, stops)) <= n


def test_arrival_times_add_travel_and_service() -> None:
    start, stops = random_day(6, seed=3)
    depart = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)
    route = order_stops(start, stops, speed_mps=4.0, service_minutes=12, depart_at=depart)
    for k, leg in enumerate(route.legs):
        assert leg.cumulative_m is not None and leg.arrival_s is not None
        assert abs(leg.arrival_s - (leg.cumulative_m / 4.0 + k * 12 * 60)) <= 1
        assert leg.eta == depart + timedelta(seconds=leg.arrival_s)
    last = route.legs[-1]
    assert last.arrival_s is not None
    assert abs(route.duration_s - (last.arrival_s + 12 * 60)) <= 1
    assert order_stops(start, stops).legs[0].eta is None


@pytest.mark.parametrize("seed", range(6))
def test_never_worse_than_nearest_neighbour(seed: int) -> None:
    start, stops = random_day(60, seed=100 + seed)
    dist = matrix_of(start, stops)
    ours = length_of(order_stops(start, stops), start, stops)
    assert ours <= path_length(dist, nearest_neighbour(dist)) + 1e-6


Point = tuple[float, float]


def _crosses(p: Point, q: Point, r: Point, s: Point) -> bool:
    """Whether segments pq and rs properly intersect (planar, fine at city scale)."""

    def side(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    return side(p, q, r) * side(p, q, s) < 0 and side(r, s, p) * side(r, s, q) < 0


def _crossings(points: list[Point]) -> int:
    legs = list(itertools.pairwise(points))
    return sum(_crosses(p, q, r, s) for (p, q), (r, s) in itertools.combinations(legs, 2))


def test_uncrosses_a_bow_tie() -> None:
    # Two rows of four addresses ~1 km apart, east of the start, given in an order whose path
    # crosses itself twice. The best open path runs east along the near row and back west
    # along the far one (a degree of longitude is shorter than one of latitude here, so this
    # beats the zig-zag).
    step = 0.009
    start = (-12.1, -77.04)
    grid = {
        (row, col): (start[0] + step * row, start[1] + step * col)
        for row in (0, 1)
        for col in (1, 2, 3, 4)
    }
    given = [(0, 1), (1, 2), (1, 1), (0, 2), (0, 3), (1, 4), (1, 3), (0, 4)]
    stops = [Stop(cell, *grid[cell]) for cell in given]
    assert _crossings([start, *(grid[cell] for cell in given)]) == 2

    route = order_stops(start, stops)
    assert route.stop_ids == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 4), (1, 3), (1, 2), (1, 1)]
    assert _crossings([start, *(grid[cell] for cell in route.stop_ids)]) == 0
    given_length = path_length(matrix_of(start, stops), list(range(1, len(stops) + 1)))
    assert length_of(route, start, stops) < 0.9 * given_length


def _brute_force(dist: np.ndarray) -> float:
    n = dist.shape[0] - 1
    perms = np.array(list(itertools.permutations(range(1, n + 1))))
    lengths = dist[0, perms[:, 0]] + dist[perms[:, :-1], perms[:, 1:]].sum(axis=1)
    return float(lengths.min())


@pytest.mark.parametrize("seed", range(8))
def test_small_instances_are_solved_to_optimality(seed: int) -> None:
    start, stops = random_day(8, seed=200 + seed, spread_deg=0.03 if seed % 2 else 0.1)
    if seed % 4 == 3:  # two tight neighbourhoods far apart
        stops = [Stop(s.id, s.lat + (0.08 if k % 2 else 0.0), s.lon) for k, s in enumerate(stops)]
    optimum = _brute_force(matrix_of(start, stops))
    assert length_of(order_stops(start, stops), start, stops) == pytest.approx(optimum, abs=1e-6)


def test_deterministic() -> None:
    start, stops = random_day(150, seed=5)
    first = order_stops(start, stops, time_budget_ms=None)
    assert order_stops(start, stops, time_budget_ms=None) == first
    dist = matrix_of(start, stops)
    assert solve_open_path(dist, iterations=300) == solve_open_path(dist, iterations=300)


def test_a_spent_time_budget_still_gives_a_locally_optimal_route() -> None:
    start, stops = random_day(80, seed=9)
    dist = matrix_of(start, stops)
    route = order_stops(start, stops, time_budget_ms=0)
    assert sorted(route.stop_ids) == sorted(s.id for s in stops)
    assert length_of(route, start, stops) <= path_length(dist, nearest_neighbour(dist)) + 1e-6


def test_no_stops() -> None:
    route = order_stops(LIMA, [])
    assert route == Route(legs=(), total_m=0, duration_s=0, unlocated_ids=())
    assert route.stop_ids == []


def test_one_stop() -> None:
    route = order_stops(LIMA, [Stop("a", -12.07, -77.03)], speed_mps=1.0, service_minutes=10)
    (leg,) = route.legs
    assert leg.stop_id == "a"
    assert leg.distance_m == leg.cumulative_m == route.total_m == round(1.0 * 111_195 / 100)
    assert leg.arrival_s == leg.distance_m
    assert route.duration_s == leg.arrival_s + 600


def test_two_stops_nearer_first() -> None:
    far, near = Stop("far", -12.09, -77.03), Stop("near", -12.07, -77.03)
    assert order_stops(LIMA, [far, near]).stop_ids == ["near", "far"]
    assert order_stops(LIMA, [near, far]).stop_ids == ["near", "far"]


def test_duplicate_coordinates() -> None:
    same = [Stop(i, -12.07, -77.04) for i in range(5)]
    route = order_stops(LIMA, same)
    assert sorted(route.stop_ids) == list(range(5))
    assert [leg.distance_m for leg in route.legs[1:]] == [0, 0, 0, 0]

    start, stops = random_day(30, seed=11)
    twins = stops + [Stop(f"twin-{s.id}", s.lat, s.lon) for s in stops[:10]]
    twins.append(Stop("at-start", *start))
    route = order_stops(start, twins)
    assert sorted(map(str, route.stop_ids)) == sorted(str(s.id) for s in twins)
    assert route.stop_ids[0] == "at-start"
    for stop in stops[:10]:  # a twin is visited right after (or before) its address
        ids = route.stop_ids
        assert abs(ids.index(stop.id) - ids.index(f"twin-{stop.id}")) == 1


def test_stops_without_coordinates_go_last_in_given_order() -> None:
    start, stops = random_day(12, seed=13)
    blind = [Stop("x", None, None), Stop("y", -12.0, None), Stop("z", math.nan, -77.0)]
    mixed = [blind[0], *stops[:6], blind[1], *stops[6:], blind[2]]
    route = order_stops(start, mixed)
    assert route.stop_ids[-3:] == ["x", "y", "z"]
    assert route.unlocated_ids == ("x", "y", "z")
    assert all(
        (leg.distance_m, leg.cumulative_m, leg.arrival_s, leg.eta) == (None,) * 4
        for leg in route.legs[-3:]
    )
    assert route.stop_ids[:-3] == order_stops(start, stops).stop_ids
    assert order_stops(start, blind).stop_ids == ["x", "y", "z"]


@pytest.mark.parametrize(
    ("start", "stops", "kwargs"),
    [
        (LIMA, [Stop("a", -12.0, -77.0), Stop("a", -12.1, -77.0)], {}),
        (LIMA, [Stop("a", -120.0, -77.0)], {}),
        ((-12.0, 190.0), [], {}),
        (LIMA, [], {"speed_mps": 0}),
        (LIMA, [], {"service_minutes": -1}),
    ],
)
def test_invalid_input(start: tuple[float, float], stops: list[Stop], kwargs: dict) -> None:
    with pytest.raises(ValueError):
        order_stops(start, stops, **kwargs)
