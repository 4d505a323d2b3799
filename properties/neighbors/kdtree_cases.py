"""kd-tree checks' machinery: point clouds and queries that reach the hard cases, querying an
implementation in scipy's shapes, tie-aware comparisons and bad-input expectations.  The
invariants are in ``properties.neighbors.kdtree``, whose docstring states the contract.
"""
from __future__ import annotations

import math
import re

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import ImplementationFailure, InvariantViolation, Tolerance, assert_true, call, expect_array, option
from properties.oracles.neighbors import minkowski_distances
from properties.strategies import matrices

ROUND = Tolerance(rtol=1e-12, reason="p ∈ {1, 2, ∞}: bitwise equal (measured); other p: a p-th power and root differ by a few ulp (measured ≤ 3e-16 relative)")
P_VALUES = (1.0, 2.0, math.inf, 3.0, 1.5)
P_INTEGER = (1.0, 2.0, math.inf, 3.0)


# ------------------------------------------------------------------ strategies
@st.composite
def clouds(draw, max_n=60, max_d=5):
    """(n, D) points reaching the hard cases: integer grids (ties, duplicates, every coordinate a
    split plane), a complete lattice, seeded uniform points in the unit cube (distances < 1, so
    d^p < d: catches power/plain mix-ups), seeded Gaussian clouds at scales 1e-3…1e3, and the
    shared adversarial matrices (floats up to 1e3, repeated rows, ± symmetric, low rank)."""
    flavour = draw(st.sampled_from(("unit", "unit", "integer", "lattice", "gauss", "general")), label="flavour")
    if flavour == "general":
        return draw(matrices(min_rows=1, max_rows=max_n, max_cols=max_d))
    n, D = draw(st.integers(1, max_n), label="n"), draw(st.integers(1, max_d), label="D")
    if flavour == "integer":
        return draw(hnp.arrays(np.int64, (n, D), elements=st.integers(0, 3))).astype(np.float64)
    if flavour in ("unit", "gauss"):  # seeded: Hypothesis' own float arrays are mostly one repeated value
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
        n = max(n, min(max_n, 12))  # deep enough for a few levels of pruning at leafsize 10
        if flavour == "unit":
            return rng.random((n, D))
        return rng.standard_normal((n, D)) * draw(st.sampled_from((1e-3, 1.0, 1e3)), label="scale")
    a, D = draw(st.integers(2, 4), label="a"), min(D, 3)
    grid = np.stack(np.meshgrid(*[np.arange(a)] * D, indexing="ij"), axis=-1).reshape(-1, D).astype(np.float64)
    return grid[list(draw(st.permutations(range(len(grid)))))]


@st.composite
def queries(draw, P, max_m=4):
    """Query points: data points, points whose every coordinate lies on a data coordinate (the
    split planes), midpoints of two data points (equidistant: ties), free points in the box."""
    n, D = P.shape
    lo, hi = P.min(axis=0) - 0.1 * np.ptp(P) - 0.1, P.max(axis=0) + 0.1 * np.ptp(P) + 0.1
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="query seed"))
    rows = []
    for _ in range(draw(st.integers(1, max_m), label="m")):
        how = draw(st.sampled_from(("data", "planes", "midpoint", "free")))
        row = lambda: P[draw(st.integers(0, n - 1))]  # noqa: E731
        if how == "data":
            rows.append(row())
        elif how == "planes":
            rows.append(np.array([row()[j] for j in range(D)]))
        elif how == "midpoint":
            rows.append((row() + row()) / 2)
        else:
            rows.append(lo + rng.random(D) * (hi - lo))
    return np.array(rows)


@st.composite
def knn_cases(draw, max_extra_k=2):
    P = draw(clouds(), label="points")
    k = draw(st.integers(1, len(P) + max_extra_k), label="k")
    return {"points": P, "x": draw(queries(P), label="x"), "k": k, "p": draw(option("p", P_VALUES), label="p")}


@st.composite
def ball_cases(draw):
    P = draw(clouds(), label="points")
    X, p = draw(queries(P), label="x"), draw(option("p", P_VALUES), label="p")
    return {"points": P, "x": X, "r": draw(radii(P, X, p), label="r"), "p": p}


def radii(P, X, p):
    """0, the distance from x₀ to a data point (often one of its nearest: small balls) or a free radius."""
    D = np.sort(minkowski_distances(P, X[0], p)[0])
    return st.one_of(st.sampled_from(D.tolist()), st.sampled_from(D[:6].tolist()), st.just(0.0),
                     st.floats(0, float(D.max()) + 1, width=64))


@st.composite
def integer_ball_cases(draw):
    """Integer data and x = y + r·e_j for a data point y: ‖x − y‖_p = r exactly, for every p."""
    P = draw(hnp.arrays(np.int64, (draw(st.integers(1, 40)), draw(st.integers(1, 5))), elements=st.integers(0, 4)))
    y = P[draw(st.integers(0, len(P) - 1))]
    r = draw(st.integers(0, 3), label="r")
    x = y.copy()
    x[draw(st.integers(0, P.shape[1] - 1))] += draw(st.sampled_from((r, -r)))
    return {"points": P.astype(np.float64), "x": x[None].astype(np.float64), "r": float(r),
            "p": draw(option("p", P_INTEGER), label="p")}


# ---------------------------------------------------------------- check helpers
def knn(impl_or_tree, P, X, k, p, *, tree=None):
    """Query and validate scipy's shapes; returns (m, k) arrays."""
    tree = tree if tree is not None else call(impl_or_tree, P)
    out = call(tree.query, X, k=k, p=p)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ImplementationFailure(f"query must return a pair (d, i), got {type(out).__name__}")
    m, shape = len(X), (len(X),) if k == 1 else (len(X), k)
    d = expect_array(out[0], name=f"query(x, k={k}, p={p}) distances", shape=shape, allow_inf=True, dtype_kind="f")
    i = expect_array(out[1], name=f"query(x, k={k}, p={p}) indices", shape=shape, dtype_kind="iu")
    return d.reshape(m, k), i.reshape(m, k).astype(np.int64)


def balls(tree, X, r, p):
    out = call(tree.query_ball_point, X, r, p=p)
    if len(out) != len(X):
        raise ImplementationFailure(f"query_ball_point on {len(X)} points returned {len(out)} results")
    sets = []
    for q, s in enumerate(out):
        a = np.asarray(list(s))
        if a.size and (a.ndim != 1 or a.dtype.kind not in "iu"):
            raise ImplementationFailure(f"query_ball_point result {q} is not a list of integer indices: {s!r}")
        sets.append([int(j) for j in a])
    return sets


def distances_of(D_row, idx):
    """True distances of ``idx`` for a report (an index outside [0, n) is named as such)."""
    return [float(D_row[j]) if 0 <= j < len(D_row) else f"index {j} out of range" for j in idx]


def tied(D_row, value, tol=ROUND):
    """Indices whose true distance equals ``value`` up to rounding."""
    if not np.isfinite(value):
        return set()
    return set(np.flatnonzero(np.abs(D_row - value) <= tol.rtol * abs(value)).tolist())


def same_up_to_ties(iA, iB, dk, D, n, what):
    """Two k-neighbour index sets may differ only among the points tied at the k-th distance."""
    for q in range(len(iA)):
        diff = set(iA[q][iA[q] < n].tolist()) ^ set(iB[q][iB[q] < n].tolist())
        stray = diff - tied(D[q], dk[q])
        assert_true(not stray, f"{what}, query {q}: index sets differ by {sorted(stray)}, which are not tied at the "
                               f"k-th distance {float(dk[q])!r} (their distances: {distances_of(D[q], sorted(stray))})")


def same_balls(SA, SB, D, r, what):
    for q, (a, b) in enumerate(zip(SA, SB)):
        stray = (set(a) ^ set(b)) - tied(D[q], r)
        assert_true(not stray, f"{what}, query {q}: sets differ by {sorted(stray)} at distances "
                               f"{distances_of(D[q], sorted(stray))}, not within rounding of r = {r!r}")


def expect_rejection(fn, names, what):
    """``fn()`` must raise ValueError whose message names one of ``names``."""
    try:
        out = fn()
    except ValueError as exc:
        named = any(re.search(rf"(?<![A-Za-z_]){n}(?![A-Za-z_])", str(exc), re.I) for n in names)
        assert_true(named, f"{what}: ValueError({str(exc)!r}) does not name the parameter ({' or '.join(names)})")
        return
    except Exception as exc:
        raise InvariantViolation(f"{what}: raised {type(exc).__name__}({exc}) instead of a ValueError naming "
                                 f"{' or '.join(names)}") from None
    raise InvariantViolation(f"{what}: accepted and returned {str(out)[:120]!r}; expected a ValueError naming "
                             f"{' or '.join(names)}")
