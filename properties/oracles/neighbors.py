"""Brute-force nearest neighbours in the Minkowski p metric: the kd-tree oracle.

Every distance from every query to every point, O(m·n·D), in float64 -- or in exact
integer arithmetic for integer data, where the inclusive boundary ‖x − y‖_p = r must
be decided without rounding.
"""
import math

import numpy as np


def minkowski_distances(points, X, p):
    """D[q, j] = ‖X_q − points_j‖_p, shape (m, n); p ≥ 1 or p = inf."""
    points = np.asarray(points, dtype=np.float64)
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    a = np.abs(X[:, None, :] - points[None, :, :])
    if p == math.inf:
        # ‖v‖_∞ = max_j |v_j|
        return a.max(axis=2, initial=0.0)
    if p == 1:
        # ‖v‖_1 = Σ_j |v_j|
        return a.sum(axis=2)
    if p == 2:
        # ‖v‖_2 = (Σ_j v_j²)^(1/2)
        return np.sqrt((a * a).sum(axis=2))
    # ‖v‖_p = (Σ_j |v_j|^p)^(1/p)
    return (a**p).sum(axis=2) ** (1.0 / p)


def knn_distances(points, X, k, p):
    """The k smallest distances from each query, ascending, shape (m, k); inf past the n-th."""
    D = np.sort(minkowski_distances(points, X, p), axis=1)[:, :k]
    pad = np.full((D.shape[0], k - D.shape[1]), np.inf)
    return np.hstack([D, pad])


def ball_bounds(points, X, r, p, rtol):
    """For each query, (must, may): the indices with d ≤ r(1 − rtol) and with d ≤ r(1 + rtol).

    A correct range query returns S with must ⊆ S ⊆ may: the band |d − r| ≤ r·rtol
    is where float64 rounding (p-th powers vs p-th roots, summation order) may
    legitimately decide either way.  With rtol = 0 both are {j : d_j ≤ r}.
    """
    D = minkowski_distances(points, X, p)
    must = [frozenset(np.flatnonzero(row <= r * (1 - rtol)).tolist()) for row in D]
    may = [frozenset(np.flatnonzero(row <= r * (1 + rtol)).tolist()) for row in D]
    return must, may


def _as_int(a, name):
    a = np.asarray(a, dtype=np.float64)
    if not np.all(a == np.round(a)) or np.abs(a).max(initial=0) > 2**20:
        raise ValueError(f"{name} must hold small integers for the exact oracle")
    return [[int(v) for v in row] for row in np.atleast_2d(a)]


def ball_exact_integer(points, X, r, p):
    """{j : ‖X_q − points_j‖_p ≤ r} in exact integer arithmetic (integer data, integer r,
    integer p or p = inf): ‖v‖_p ≤ r ⇔ Σ_j |v_j|^p ≤ r^p, with no rounding anywhere."""
    P, Q = _as_int(points, "points"), _as_int(X, "X")
    if r != int(r) or not (p == math.inf or p == int(p)):
        raise ValueError(f"the exact oracle needs integer r and p, got r={r!r}, p={p!r}")
    r = int(r)
    out = []
    for x in Q:
        gaps = [[abs(a - b) for a, b in zip(x, y)] for y in P]
        if p == math.inf:
            inside = [j for j, g in enumerate(gaps) if max(g) <= r]
        else:
            e = int(p)
            inside = [j for j, g in enumerate(gaps) if sum(v**e for v in g) <= r**e]
        out.append(frozenset(inside))
    return out
