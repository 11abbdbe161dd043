"""The order in which a field agent visits today's stops, with legs, distances and ETAs.

:func:`order_stops` is pure (no I/O; the clock is read only for a wall-clock safety cap) and
deterministic: the same start and stops give the same :class:`Route`, so the app, the agent's
phone and the tests agree. Distances are
straight-line great-circle metres (:func:`backend.routing.geo.haversine_matrix`); the order is an
open path from the start (the agent does not return), found by nearest neighbour, 2-opt + Or-opt
local search and iterated local search (:mod:`backend.routing.search`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from backend.routing.geo import LatLon, geodesic_m, haversine_matrix
from backend.routing.search import solve_open_path

#: Default speed, m/s of straight-line progress: an agent walking between nearby addresses.
WALKING_SPEED_MPS = 1.2
#: Default time spent at each stop, minutes.
SERVICE_MINUTES = 10.0
#: Default search effort: rounds of iterated local search per located stop, and at least this
#: many rounds (about 45 ms for 100 stops and 100 ms for 200 on a 2-core machine).
ITERATIONS_PER_STOP = 6
MIN_ITERATIONS = 100
#: Default wall-clock cap on the search, ms: a safety net for very long days, not normally reached.
TIME_BUDGET_MS = 1000.0


class StopLike(Protocol):
    """Anything with an ``id`` and optional ``lat``/``lon`` in degrees (a debtor address, a visit).

    Attributes are read-only properties so that dataclasses, ORM rows and named tuples all fit.
    """

    @property
    def id(self) -> Hashable: ...

    @property
    def lat(self) -> float | None: ...

    @property
    def lon(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Leg:
    """One stop of the route and how the agent gets there from the previous point.

    For stops without coordinates every figure is ``None``: they cannot be placed or timed.
    """

    stop_id: Hashable
    #: Straight-line metres from the previous stop (from the start for the first one).
    distance_m: int | None
    #: Metres from the start to this stop along the route (the sum of the rounded legs).
    cumulative_m: int | None
    #: Seconds from departure to arrival here: travel plus service time at the earlier stops.
    arrival_s: int | None
    #: ``depart_at + arrival_s`` when a departure time was given.
    eta: datetime | None


@dataclass(frozen=True, slots=True)
class Route:
    """An ordered day: the stops with coordinates first, in visit order, then those without."""

    legs: tuple[Leg, ...]
    #: Metres from the start to the last located stop.
    total_m: int
    #: Seconds from departure until service at the last located stop is done.
    duration_s: int
    #: Ids of the stops without coordinates, in their given order (they end ``legs`` too).
    unlocated_ids: tuple[Hashable, ...]

    @property
    def stop_ids(self) -> list[Hashable]:
        """All stop ids in visit order (unlocated ones last)."""
        return [leg.stop_id for leg in self.legs]


def order_stops(
    start: LatLon,
    stops: Sequence[StopLike],
    *,
    speed_mps: float = WALKING_SPEED_MPS,
    service_minutes: float = SERVICE_MINUTES,
    depart_at: datetime | None = None,
    time_budget_ms: float | None = TIME_BUDGET_MS,
    iterations: int | None = None,
) -> Route:
    """Order ``stops`` to minimise the straight-line length of the open path from ``start``.

    ``start`` and stop coordinates are ``(lat, lon)`` degrees. Stops whose ``lat`` or ``lon`` is
    missing (``None`` or NaN) cannot be placed: they go at the end, in their given order, with
    ``None`` distances and ETAs. Arrival times assume travel at ``speed_mps`` and
    ``service_minutes`` spent at every stop before this one.

    The search (:func:`backend.routing.search.solve_open_path`: nearest neighbour, then 2-opt +
    Or-opt local search, then ``iterations`` rounds of iterated local search; by default
    ``ITERATIONS_PER_STOP`` per located stop and at least ``MIN_ITERATIONS``) is deterministic:
    the same input always gives the same route, unless ``time_budget_ms`` of wall-clock time
    (distance matrix included; ``None`` for no cap) runs out first, in which case the best route
    found so far is returned.

    Raises ``ValueError`` for duplicate stop ids, coordinates outside the valid ranges, a
    non-positive speed or a negative service time.
    """
    if not speed_mps > 0:
        raise ValueError(f"speed_mps must be positive, got {speed_mps}")
    if not service_minutes >= 0:
        raise ValueError(f"service_minutes must be >= 0, got {service_minutes}")
    ids = [stop.id for stop in stops]
    if len(set(ids)) != len(ids):
        raise ValueError("stop ids must be unique")
    _check_coordinates(start, "start")

    located: list[int] = []
    unlocated: list[int] = []
    points = [start]
    for index, stop in enumerate(stops):
        point = _coordinates(stop)
        if point is None:
            unlocated.append(index)
        else:
            _check_coordinates(point, f"stop {stop.id!r}")
            located.append(index)
            points.append(point)

    started = time.perf_counter()
    dist = haversine_matrix(points)
    n = len(located)
    deadline = None if time_budget_ms is None else started + time_budget_ms / 1000
    if iterations is None:
        iterations = max(MIN_ITERATIONS, ITERATIONS_PER_STOP * n)
    order = solve_open_path(dist, iterations=iterations, deadline=deadline)

    service_s = service_minutes * 60
    legs: list[Leg] = []
    prev = 0
    cumulative = 0
    clock_s = 0.0
    for node in order:
        distance = round(float(dist[prev, node]))
        cumulative += distance
        if legs:
            clock_s += service_s
        clock_s += distance / speed_mps
        arrival = round(clock_s)
        legs.append(
            Leg(
                stop_id=ids[located[node - 1]],
                distance_m=distance,
                cumulative_m=cumulative,
                arrival_s=arrival,
                eta=None if depart_at is None else depart_at + timedelta(seconds=arrival),
            )
        )
        prev = node
    duration_s = round(clock_s + service_s) if legs else 0
    legs.extend(Leg(ids[index], None, None, None, None) for index in unlocated)
    return Route(
        legs=tuple(legs),
        total_m=cumulative,
        duration_s=duration_s,
        unlocated_ids=tuple(ids[index] for index in unlocated),
    )


def _coordinates(stop: StopLike) -> LatLon | None:
    lat, lon = stop.lat, stop.lon
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return None
    return float(lat), float(lon)


def _check_coordinates(point: LatLon, what: str) -> None:
    lat, lon = point
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{what}: ({lat}, {lon}) is not a valid (lat, lon) in degrees")


__all__ = ["LatLon", "Leg", "Route", "StopLike", "geodesic_m", "haversine_matrix", "order_stops"]
