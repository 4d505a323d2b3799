"""Strategies of the nearest-neighbour checks: point clouds and queries that reach the hard cases, the cases of
each invariant, and the enumerated bad inputs of the validation invariants.

Options are drawn with :func:`properties.engine.option`, so an example never leaves the implementation's
declared support; outside an invariant run they default to the whole domain (``P_VALUES``, ``OPERATIONS``).

Speed: a Hypothesis strategy object is validated the first time it draws, which costs a fraction of a
millisecond — per draw when the object is built inside another strategy.  So the strategies here are built
once: constant ones at import, data-dependent ones (``integers(0, n − 1)``) cached by their bounds.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import option
from properties.oracles.neighbors import minkowski_distances
from properties.strategies import matrices

#: the Minkowski exponents of the contract: the three special-cased metrics and two general p
P_VALUES = (1.0, 2.0, math.inf, 3.0, 1.5)
#: the exponents whose balls the exact integer oracle decides (integer p or ∞)
P_INTEGER = (1.0, 2.0, math.inf, 3.0)
OPERATIONS = ("knn", "range")
MAX_N = 60          # points of the ordinary clouds
MAX_D = 5           # dimensions of the ordinary clouds (ties and duplicates are common at low D)
WIDE_N = (11, 20)   # "wide" clouds: more points than the reference's leaf (10) holds …
# … in D ∈ [n + 1, 3n] dimensions: every split happens in a space with more dimensions than points

P_OPTION = option("p", P_VALUES)
P_INTEGER_OPTION = option("p", P_INTEGER)
OPERATION_OPTION = option("operations", OPERATIONS)
SEEDS = st.integers(0, 2**32 - 1)
BOOLEANS = st.booleans()
UNIT = st.floats(0, 1)


@lru_cache(maxsize=None)
def integers(lo, hi):
    """``st.integers(lo, hi)``, built once per bounds."""
    return st.integers(lo, hi)


@lru_cache(maxsize=None)
def permutations(n):
    """``st.permutations(range(n))``, built once per n."""
    return st.permutations(range(n))


@lru_cache(maxsize=None)
def integer_arrays(n, D, hi):
    """(n, D) int64 arrays with entries in {0..hi}, built once per shape."""
    return hnp.arrays(np.int64, (n, D), elements=integers(0, hi))


# ------------------------------------------------------------------------ point clouds
# weights: uniform clouds (where pruning bugs show) 4 in 10, wide clouds (D > n) 2 in 10, each other flavour 1 in 10
FLAVOURS = st.sampled_from(("unit", "unit", "unit", "unit", "integer", "lattice", "gauss", "general", "wide", "wide"))
SIDES, SCALES = st.sampled_from((1.0, 1e-3)), st.sampled_from((1e-3, 1.0, 1e3))


@st.composite
def clouds(draw, max_n=MAX_N):
    """(n, D) points reaching the hard cases:

    * integer grids in {0..3}^D (ties, duplicates, every coordinate a split plane) and complete lattices;
    * seeded uniform points in the unit cube and in a cube of side 1e-3 (distances < 1, so d^p < d, and at
      1e-3 d^p ≪ d: a power compared with a plain distance prunes almost every far cell);
    * seeded Gaussian clouds at scales 1e-3, 1 and 1e3;
    * the shared adversarial matrices (floats up to 1e3, repeated rows, ± symmetric, low rank);
    * wide clouds: 11 ≤ n ≤ 20 points (more than a leaf of 10 holds) in D ∈ [n + 1, 3n] dimensions.
    """
    flavour = draw(FLAVOURS, label="flavour")
    if flavour == "general":
        return draw(GENERAL[max_n])
    if flavour == "wide":
        n = draw(integers(*WIDE_N), label="n")
        D = draw(integers(n + 1, 3 * n), label="D")
        return np.random.default_rng(draw(SEEDS, label="seed")).random((n, D))
    n, D = draw(integers(1, max_n), label="n"), draw(integers(1, MAX_D), label="D")
    if flavour == "integer":
        return draw(integer_arrays(n, D, 3), label="grid").astype(np.float64)
    if flavour in ("unit", "gauss"):  # seeded: Hypothesis' own float arrays are mostly one repeated value
        rng = np.random.default_rng(draw(SEEDS, label="seed"))
        n = max(n, min(max_n, 12))  # deeper than one leaf of 10: a few levels of pruning
        if flavour == "unit":
            return rng.random((n, D)) * draw(SIDES, label="side")
        return rng.standard_normal((n, D)) * draw(SCALES, label="scale")
    a, D = draw(integers(2, 4), label="a"), min(D, 3)
    return lattice(a, D)[list(draw(permutations(a**D), label="order"))]


def lattice(a, D):
    """The a^D nodes of the integer grid {0..a−1}^D, in row-major order, as float64."""
    return np.stack(np.meshgrid(*[np.arange(a)] * D, indexing="ij"), axis=-1).reshape(-1, D).astype(np.float64)


GENERAL = {n: matrices(min_rows=1, max_rows=n, max_cols=MAX_D) for n in (MAX_N, 30)}
CLOUDS, SMALL_CLOUDS = clouds(), clouds(max_n=30)
QUERY_KINDS = st.sampled_from(("data", "planes", "midpoint", "nudged", "free"))


def draw_queries(draw, P, max_m=4):
    """Query points: data points, points whose every coordinate lies on a data coordinate (the split
    planes), midpoints of two data points (equidistant: ties), data points moved by a few percent of the
    spread (just off a split plane: the nearest neighbour is often across it), free points in the box."""
    n, D = P.shape
    lo, hi = P.min(axis=0) - 0.1 * np.ptp(P) - 0.1, P.max(axis=0) + 0.1 * np.ptp(P) + 0.1
    rng = np.random.default_rng(draw(SEEDS, label="query seed"))
    index = integers(0, n - 1)
    rows = []
    for _ in range(draw(integers(1, max_m), label="m")):
        how = draw(QUERY_KINDS, label="query kind")
        if how == "data":
            rows.append(P[draw(index)])
        elif how == "planes":
            rows.append(np.array([P[draw(index), j] for j in range(D)]))
        elif how == "midpoint":
            rows.append((P[draw(index)] + P[draw(index)]) / 2)
        elif how == "nudged":
            rows.append(P[draw(index)] + rng.uniform(-0.05, 0.05, D) * (hi - lo))
        else:
            rows.append(lo + rng.random(D) * (hi - lo))
    return np.array(rows)


RADIUS_KINDS = st.sampled_from(("data", "near", "zero", "free"))


def draw_radius(draw, P, X, p):
    """The distance from x₀ to a data point, to one of its 6 nearest (small balls), 0, or a free radius."""
    D = np.sort(minkowski_distances(P, X[0], p)[0])
    how = draw(RADIUS_KINDS, label="radius kind")
    if how == "zero":
        return 0.0
    if how == "free":
        return draw(UNIT, label="r / (max d + 1)") * (float(D.max()) + 1)
    return float(D[draw(integers(0, len(D) - 1 if how == "data" else min(5, len(D) - 1)), label="r rank")])


def draw_k(draw, n, max_extra_k=2):
    """k ∈ [1, n + max_extra_k] (k > n included), and as often k ∈ [n/2, n]: more neighbours than the first leaf
    holds, so the search backtracks before it has k candidates (where pruning too early shows)."""
    if draw(BOOLEANS, label="many neighbours"):
        return draw(integers(max(1, n // 2), n), label="k")
    return draw(integers(1, n + max_extra_k), label="k")


# ------------------------------------------------------------------------- query cases
@st.composite
def knn_cases(draw):
    """points, up to 12 queries x (each a further chance for a pruning bug to show, at little cost per example),
    k ∈ [1, n + 2] (k > n included), p."""
    P = draw(CLOUDS, label="points")
    return {"points": P, "x": draw_queries(draw, P, max_m=12), "k": draw_k(draw, len(P)),
            "p": draw(P_OPTION, label="p")}


@st.composite
def ball_cases(draw):
    """points, queries x, a radius r that often passes through a data point, p."""
    P = draw(CLOUDS, label="points")
    X, p = draw_queries(draw, P), draw(P_OPTION, label="p")
    return {"points": P, "x": X, "r": draw_radius(draw, P, X, p), "p": p}


@st.composite
def self_cases(draw):
    return {"points": draw(CLOUDS, label="points"), "p": draw(P_OPTION, label="p")}


@st.composite
def k_exceeds_n_cases(draw):
    case = draw(KNN_CASES)
    return {**case, "k": len(case["points"]) + draw(integers(1, 3), label="k − n")}


@st.composite
def norm_cases(draw):
    """points, queries x and k ≤ n (p is the invariant's: it compares three)."""
    P = draw(CLOUDS, label="points")
    return {"points": P, "x": draw_queries(draw, P), "k": draw(integers(1, len(P)), label="k")}


@st.composite
def integer_ball_cases(draw):
    """Integer data and x = y + r·e_j for a data point y: ‖x − y‖_p = r exactly, for every p."""
    n, D = draw(integers(1, 40), label="n"), draw(integers(1, MAX_D), label="D")
    P = draw(integer_arrays(n, D, 4), label="points")
    y = P[draw(integers(0, n - 1), label="y")]
    r = draw(integers(0, 3), label="r")
    x = y.copy()
    x[draw(integers(0, D - 1), label="axis")] += r if draw(BOOLEANS, label="sign") else -r
    return {"points": P.astype(np.float64), "x": x[None].astype(np.float64), "r": float(r),
            "p": draw(P_INTEGER_OPTION, label="p")}


STEPS = st.sampled_from((0.0, 1e-3, 0.5, 1.0, 10.0))


@st.composite
def monotone_cases(draw):
    """A ball case and a second radius r₂ ≥ r."""
    case = draw(BALL_CASES)
    return {**case, "r2": case["r"] + draw(STEPS, label="r₂ − r")}


@st.composite
def permuted_cases(draw):
    """A k-NN case, a permutation of the points and a radius of half the farthest distance from x₀."""
    case = draw(KNN_CASES)
    P, X, p = case["points"], case["x"], case["p"]
    return {**case, "perm": draw(permutations(len(P)), label="perm"),
            "r": float(minkowski_distances(P, X[0], p)[0].max()) / 2}


@st.composite
def duplicate_cases(draw):
    """Points with 2–8 extra copies of one of them (y), shuffled."""
    P = draw(SMALL_CLOUDS, label="points")
    c = draw(integers(2, 8), label="copies")
    y = P[draw(integers(0, len(P) - 1), label="y")]
    Q = np.vstack([P, np.repeat(y[None], c, axis=0)])
    return {"points": Q[list(draw(permutations(len(Q)), label="order"))], "y": y, "p": draw(P_OPTION, label="p")}


GRID_SIDES = {1: (12, 40), 2: (4, 10), 3: (3, 5)}  # 12 ≤ a^D ≤ 125: the tree splits


@st.composite
def grid_cases(draw):
    """The grid {0..a−1}^D in a random order, an interior node c, p."""
    D = draw(integers(1, 3), label="D")
    a = draw(integers(*GRID_SIDES[D]), label="a")
    return {"a": a, "D": D, "order": draw(permutations(a**D), label="order"),
            "centre": [draw(integers(1, a - 2), label="centre") for _ in range(D)], "p": draw(P_OPTION, label="p")}


@st.composite
def tied_cases(draw):
    """Integer data in {0..2}^D, queries at data points and midpoints, k ≥ 2: many neighbours tie, so the
    order among tied neighbours — the part of an answer a nondeterministic tie-break changes — is returned."""
    n, D = draw(integers(4, 30), label="n"), draw(integers(1, 3), label="D")
    P = draw(integer_arrays(n, D, 2), label="points").astype(np.float64)
    X = draw_queries(draw, P)
    k, p = draw(integers(2, n), label="k"), draw(P_OPTION, label="p")
    return {"points": P, "x": X, "k": k, "p": p, "r": float(np.median(minkowski_distances(P, X[0], p)))}


@st.composite
def default_cases(draw):
    """points, queries x and a radius at p = 2, for calls that leave k and p to their defaults."""
    P = draw(CLOUDS, label="points")
    X = draw_queries(draw, P)
    return {"points": P, "x": X, "r": draw_radius(draw, P, X, 2.0)}


@st.composite
def crosscheck_cases(draw):
    """A k-NN case and a radius."""
    case = draw(KNN_CASES)
    return {**case, "r": draw_radius(draw, case["points"], case["x"], case["p"])}


KNN_CASES, BALL_CASES = knn_cases(), ball_cases()

# ------------------------------------------------------------- enumerated bad input
#: the data every validation example builds its tree on: what is judged is the bad argument, not the data
BAD_INPUT_POINTS = np.array([[0.0, 0.0, 1.0], [1.0, 2.0, 0.0], [2.0, 1.0, 1.0], [0.5, 0.25, 3.0], [1.0, 1.0, 1.0]])
WHERE = st.sampled_from(("points", "x"))
NON_FINITE = st.sampled_from((math.nan, math.inf, -math.inf))
BAD_SHAPES = {"points": st.sampled_from(((15,), (1, 5, 3))), "x": st.sampled_from(((4,), (2, 4), (1, 2)))}


def _operation(draw, where):
    return draw(OPERATION_OPTION, label="operation") if where == "x" else None


@st.composite
def nonfinite_cases(draw):
    """A NaN/±inf in the points, or in the query x of either operation: 3 + 3·|operations| cases."""
    where = draw(WHERE, label="where")
    return {"points": BAD_INPUT_POINTS, "where": where, "operation": _operation(draw, where),
            "value": draw(NON_FINITE, label="value")}


@st.composite
def wrong_dims_cases(draw):
    """Points of the wrong rank, or x whose last axis is not D = 3: 2 + 3·|operations| cases."""
    where = draw(WHERE, label="where")
    return {"points": BAD_INPUT_POINTS, "where": where, "operation": _operation(draw, where),
            "shape": draw(BAD_SHAPES[where], label="shape")}


def empty_cases():
    """No points (0, D), or points with no coordinates (n, 0)."""
    return st.fixed_dictionaries({"points": st.just(BAD_INPUT_POINTS), "shape": st.sampled_from(((0, 3), (5, 0)))})


def bad_k_cases():
    """k = 0, k < 0 and a non-integer k."""
    return st.fixed_dictionaries({"points": st.just(BAD_INPUT_POINTS), "k": st.sampled_from((0, -1, 2.5))})


def negative_r_cases():
    """r < 0 (a clear one and a rounding-sized one) or NaN, for every supported p: 3·|p| cases."""
    return st.fixed_dictionaries({"points": st.just(BAD_INPUT_POINTS),
                                  "r": st.sampled_from((-0.5, -1e-12, math.nan)), "p": P_OPTION})


def bad_p_cases():
    """p < 1 (0.5, 0, −1) or NaN, for each supported operation: 4·|operations| cases."""
    return st.fixed_dictionaries({"points": st.just(BAD_INPUT_POINTS),
                                  "p": st.sampled_from((0.5, 0.0, -1.0, math.nan)), "operation": OPERATION_OPTION})
