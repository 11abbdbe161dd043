"""Open-path tour search on a distance matrix: nearest neighbour, 2-opt + Or-opt, then ILS.

The problem: node 0 is the agent's start, nodes ``1..n`` are stops; find the order of the stops
minimising the length of the open path ``0 -> s1 -> ... -> sn`` (the agent does not return).

Representation. The path is stored as a tour over ``n + 2`` nodes: the start at position 0, the
stops, and a dummy *end* node at the last position whose distance to every node is zero. The
edge from the end back to the start closes the cycle and is never removed, so every move below
is an ordinary symmetric-TSP move on a list ``tour`` with its inverse ``pos``; because the end
node is everybody's zero-distance neighbour, "make this stop the last one" is an ordinary 2-opt
or Or-opt move with no special case.

Local search (:func:`_local_search`) is first-improvement over two neighbourhoods, restricted
to each node's ``K`` nearest neighbours and driven by a queue of nodes whose "don't-look bit" is
off (only nodes at the ends of changed edges are looked at again):

* 2-opt: remove two edges, reconnect by reversing the segment between them;
* Or-opt: move a segment of 1 to 3 consecutive stops, either way round, between two adjacent
  nodes elsewhere, next to a near neighbour of one of its ends.

Iterated local search (:func:`solve_open_path`) then repeats a fixed number of times: apply a
double-bridge kick (swap two adjacent short segments, which 2-opt and Or-opt cannot undo in one
move), run the local search from the kicked nodes only, keep the result if it is no longer than
the best path so far and go back to the best path otherwise. The kicks come from a
``random.Random`` with a fixed seed, so the result is a pure function of the matrix (unless a
wall-clock deadline cuts the iterations short).
"""

from __future__ import annotations

import random
import time
from collections import deque

import numpy as np

#: Gains below this many metres are treated as zero, so float noise cannot make the search cycle.
EPS_M = 1e-6
#: Candidate neighbours per node.
NEIGHBOURS = 10
#: Longest segment Or-opt moves.
OR_OPT_MAX = 3
#: Longest segment a double-bridge kick swaps.
KICK_MAX_SEGMENT = 30


def path_length(dist: np.ndarray, order: list[int]) -> float:
    """Length of the open path ``0 -> order[0] -> order[1] -> ...`` on ``dist``."""
    prev, total = 0, 0.0
    for node in order:
        total += float(dist[prev, node])
        prev = node
    return total


def nearest_neighbour(dist: np.ndarray) -> list[int]:
    """Greedy open path from node 0: always go to the closest unvisited node (lowest index on ties).

    Returns the stop order (nodes ``1..n``), without the start.
    """
    n = dist.shape[0] - 1
    visited = np.zeros(n + 1, dtype=bool)
    visited[0] = True
    order: list[int] = []
    current = 0
    for _ in range(n):
        row = np.where(visited, np.inf, dist[current])
        current = int(np.argmin(row))
        visited[current] = True
        order.append(current)
    return order


def solve_open_path(
    dist: np.ndarray,
    *,
    iterations: int,
    deadline: float | None = None,
    seed: int = 0,
) -> list[int]:
    """Shortest open path from node 0 through all other nodes of ``dist``, heuristically.

    ``dist`` is a symmetric ``(n + 1, n + 1)`` matrix (node 0 is the start). Starts from the
    nearest-neighbour path, improves it with 2-opt + Or-opt and then runs ``iterations`` rounds of
    iterated local search (see the module docstring). ``deadline`` is a ``time.perf_counter()``
    value after which no further round starts. Returns the stop order (nodes ``1..n``).
    """
    n = dist.shape[0] - 1
    if n <= 2:
        if n == 2 and dist[0, 2] < dist[0, 1]:
            return [2, 1]
        return list(range(1, n + 1))

    end = n + 1
    m = n + 2
    full = np.zeros((m, m), dtype=np.float64)
    full[: n + 1, : n + 1] = dist
    d = full.tolist()
    k = min(NEIGHBOURS, n)
    # Stable sort, so ties (duplicate addresses) are broken by index, deterministically. Each
    # stop's list starts with the end node (distance 0) and never contains the stop itself.
    ranked = np.argsort(full[: n + 1, : n + 1], axis=1, kind="stable")
    neighbours: list[list[int]] = [[] for _ in range(m)]
    for a in range(n + 1):
        near = [int(c) for c in ranked[a] if c != a][:k]
        neighbours[a] = near if a == 0 else [end, *near]

    tour = [0, *nearest_neighbour(dist), end]
    pos = [0] * m
    for i, node in enumerate(tour):
        pos[node] = i
    _local_search(d, neighbours, tour, pos, list(range(n + 1)))
    cost = path_length(dist, tour[1:-1])

    best_tour, best_pos = tour[:], pos[:]
    rng = random.Random(seed)
    seg_max = min(KICK_MAX_SEGMENT, n // 3)
    for _ in range(iterations):
        if deadline is not None and time.perf_counter() > deadline:
            break
        delta, touched = _double_bridge(d, tour, pos, rng, seg_max)
        new_cost = cost + delta - _local_search(d, neighbours, tour, pos, touched)
        if new_cost <= cost + EPS_M:
            cost = new_cost
            best_tour[:] = tour
            best_pos[:] = pos
        else:
            tour[:] = best_tour
            pos[:] = best_pos
    return best_tour[1:-1]


def _double_bridge(
    d: list[list[float]],
    tour: list[int],
    pos: list[int],
    rng: random.Random,
    seg_max: int,
) -> tuple[float, list[int]]:
    """Swap two adjacent random segments of 1..``seg_max`` stops in place.

    ``A B C D`` becomes ``A C B D``; returns the change in length and the six nodes at the ends
    of the three replaced edges.
    """
    n = len(tour) - 2
    len_b = rng.randint(1, seg_max)
    len_c = rng.randint(1, seg_max)
    i = rng.randint(0, n - len_b - len_c)  # last position of A
    j = i + len_b  # last position of B
    k = j + len_c  # last position of C
    a1, b0, b1, c0, c1, d0 = tour[i], tour[i + 1], tour[j], tour[j + 1], tour[k], tour[k + 1]
    delta = d[a1][c0] + d[c1][b0] + d[b1][d0] - d[a1][b0] - d[b1][c0] - d[c1][d0]
    tour[i + 1 : k + 1] = tour[j + 1 : k + 1] + tour[i + 1 : j + 1]
    for p in range(i + 1, k + 1):
        pos[tour[p]] = p
    return delta, [a1, b0, b1, c0, c1, d0]


def _reverse(tour: list[int], pos: list[int], i: int, j: int) -> None:
    """Reverse ``tour[i..j]`` (inclusive, ``i >= 1``) in place."""
    tour[i : j + 1] = tour[j : i - 1 : -1]
    for p in range(i, j + 1):
        pos[tour[p]] = p


def _move_segment(tour: list[int], pos: list[int], i: int, j: int, q: int, flip: bool) -> None:
    """Move ``tour[i..j]`` between positions ``q`` and ``q + 1`` (``q`` outside ``i-1..j``)."""
    seg = tour[i : j + 1]
    if flip:
        seg.reverse()
    if q < i:
        tour[q + 1 : j + 1] = seg + tour[q + 1 : i]
        lo, hi = q + 1, j
    else:
        tour[i : q + 1] = tour[j + 1 : q + 1] + seg
        lo, hi = i, q
    for p in range(lo, hi + 1):
        pos[tour[p]] = p


def _local_search(
    d: list[list[float]],
    neighbours: list[list[int]],
    tour: list[int],
    pos: list[int],
    active: list[int],
) -> float:
    """2-opt + Or-opt with neighbour lists and don't-look bits; returns the total gain.

    ``active`` are the nodes to look at first; every improving move re-activates the nodes at
    the ends of the edges it changed. Stops when no active node is left.
    """
    last = len(tour) - 1  # position of the end node; the edge last -> 0 is fixed
    end = tour[last]
    queue = deque(a for a in active if a != end)
    queued = [False] * len(tour)
    for a in queue:
        queued[a] = True
    gain = 0.0
    while queue:
        a = queue.popleft()
        queued[a] = False
        touched = _improve_2opt(d, neighbours[a], tour, pos, a, last)
        if touched is None:
            touched = _improve_or_opt(d, neighbours, tour, pos, a, last)
        if touched is None:
            continue
        gain += touched[0]
        for node in touched[1]:
            if not queued[node] and node != end:
                queued[node] = True
                queue.append(node)
    return gain


def _improve_2opt(
    d: list[list[float]],
    near: list[int],
    tour: list[int],
    pos: list[int],
    a: int,
    last: int,
) -> tuple[float, tuple[int, ...]] | None:
    """Apply the first improving 2-opt move that gives ``a`` a nearer neighbour, if any."""
    pa = pos[a]
    da = d[a]
    if pa < last:  # replace (a, succ a) and (c, succ c) by (a, c) and (succ a, succ c)
        b = tour[pa + 1]
        dab = da[b]
        db = d[b]
        for c in near:
            dac = da[c]
            if dac >= dab:
                break
            pc = pos[c]
            if pc == last:
                continue
            cn = tour[pc + 1]
            delta = dab + d[c][cn] - dac - db[cn]
            if delta > EPS_M:
                if pa < pc:
                    _reverse(tour, pos, pa + 1, pc)
                else:
                    _reverse(tour, pos, pc + 1, pa)
                return delta, (a, b, c, cn)
    if pa > 0:  # replace (pred a, a) and (pred c, c) by (a, c) and (pred a, pred c)
        b = tour[pa - 1]
        dab = da[b]
        db = d[b]
        for c in near:
            dac = da[c]
            if dac >= dab:
                break
            pc = pos[c]
            if pc == 0:
                continue
            cp = tour[pc - 1]
            delta = dab + d[c][cp] - dac - db[cp]
            if delta > EPS_M:
                if pc < pa:
                    _reverse(tour, pos, pc, pa - 1)
                else:
                    _reverse(tour, pos, pa, pc - 1)
                return delta, (a, b, c, cp)
    return None


def _improve_or_opt(
    d: list[list[float]],
    neighbours: list[list[int]],
    tour: list[int],
    pos: list[int],
    a: int,
    last: int,
) -> tuple[float, tuple[int, ...]] | None:
    """Apply the first improving Or-opt move of a segment that starts or ends at ``a``, if any.

    The segment is ``tour[i..j]`` (1 to ``OR_OPT_MAX`` stops); it is reinserted between ``c`` and
    one of its tour neighbours, where ``c`` is a near neighbour of the segment end that becomes
    adjacent to it.
    """
    pa = pos[a]
    if pa == 0:
        return None
    for length in range(1, OR_OPT_MAX + 1):
        for i in (pa,) if length == 1 else (pa, pa - length + 1):
            j = i + length - 1
            if i < 1 or j >= last:
                continue
            p, f, t, nx = tour[i - 1], tour[i], tour[j], tour[j + 1]
            removal = d[p][f] + d[t][nx] - d[p][nx]
            if removal <= EPS_M:
                continue
            for x, y, x_first in ((f, t, True), (t, f, False)):  # x: the end next to c
                dx = d[x]
                dy = d[y]
                for c in neighbours[x]:
                    dxc = dx[c]
                    if dxc >= removal:
                        break
                    pc = pos[c]
                    if i <= pc <= j:
                        continue
                    # c, x .. y, succ c: the segment after c, x first.
                    if pc < last and c != p:
                        g = tour[pc + 1]
                        delta = removal - (dxc + dy[g] - d[c][g])
                        if delta > EPS_M:
                            _move_segment(tour, pos, i, j, pc, flip=not x_first)
                            return delta, (p, f, t, nx, c, g)
                    # pred c, y .. x, c: the segment before c, x last.
                    if pc > 0 and c != nx:
                        h = tour[pc - 1]
                        delta = removal - (dxc + dy[h] - d[c][h])
                        if delta > EPS_M:
                            _move_segment(tour, pos, i, j, pc - 1, flip=x_first)
                            return delta, (p, f, t, nx, c, h)
    return None
