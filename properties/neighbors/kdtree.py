"""kd-trees: exact k-nearest-neighbour and fixed-radius search in the Minkowski p metric.

Contract (scipy.spatial.cKDTree's)::

    tree = Cls(points)                 # points: (n, D) float64, n ≥ 1, D ≥ 1, finite
    d, i = tree.query(x, k=1, p=2)     # x: (m, D) → d, i of shape (m,) for k = 1, (m, k) for k ≥ 2
                                       # x: (D,)   → a scalar pair for k = 1, (k,) for k ≥ 2
                                       # d ascending; i integer; k > n: d = inf and i = n past the n-th
    s = tree.query_ball_point(x, r, p=2)   # {j : ‖x − points_j‖_p ≤ r} (inclusive), in any order;
                                           # x: (D,) → a list; x: (m, D) → m lists (object array or list)
    p ∈ [1, ∞] (1, 2, ∞ and a general p ≥ 1); bad input (NaN/inf, wrong shapes, no points,
    k < 1 or not an integer, r < 0, p < 1 or NaN) → ValueError whose message names the parameter.

Ties: tied neighbours may come back in any order and, at the k-th distance, any subset of
the tied points may be returned; every check compares tied results by distance or as sets,
never by index.  Rounding: for p ∈ {1, 2, ∞} the distances of every implementation
here agree bitwise; for other p the p-th power/root differ by a few ulp, and a range query
may decide either way for a point within that rounding of the sphere ‖x − y‖_p = r; those
points are excused, except on integer data, where the inclusive boundary is exact.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import (Axis, Expected, Implementation, InvariantViolation, Topic, option,
                               assert_close, assert_true, call, crosscheck, expect_array, invariant)
from properties.oracles.neighbors import ball_bounds, ball_exact_integer, knn_distances, minkowski_distances
from properties.neighbors.kdtree_cases import (P_INTEGER, P_VALUES, ROUND, ball_cases, balls, clouds, distances_of, expect_rejection,
                                     integer_ball_cases, knn, knn_cases, radii, same_balls, same_up_to_ties)

SCIPY_BAD_INPUT = {
    "kdtree.rejects_empty": "scipy accepts (0, D) data (an empty tree: queries return distance inf, index 0) and raises IndexError, not ValueError, for (n, 0)",
    "kdtree.rejects_bad_k": "k ≤ 0 raises a ValueError from a numpy reduction ('zero-size array to reduction operation maximum…') that does not name k; a non-integer k such as 2.5 is accepted",
    "kdtree.rejects_negative_r": "r < 0 is not rejected; for p = 2 scipy compares squared distances with r², so r = −0.5 returns the ball of radius 0.5 (for p = 1, ∞ it returns [])",
    "kdtree.rejects_bad_p": "query rejects p < 1 but accepts p = nan (distance inf, index n); query_ball_point accepts any p (0.5, 0, −1, nan) without complaint",
}
SKLEARN_BAD_INPUT = {
    "kdtree.rejects_nonfinite": "sklearn raises ValueError('Input contains NaN.'), which does not name the parameter",
    "kdtree.rejects_wrong_dims": "sklearn's messages ('Expected 2D array, got 1D array instead', 'query data dimension must match training data dimension') name no parameter",
    "kdtree.rejects_empty": "sklearn's message 'Found array with 0 sample(s) …' names no parameter",
    "kdtree.rejects_bad_k": "sklearn returns empty (m, 0) arrays for k = 0 and raises TypeError for a non-integer k",
    "kdtree.rejects_negative_r": "sklearn's query_radius returns empty sets for r < 0",
    "kdtree.rejects_bad_p": "sklearn builds a (non-metric) Minkowski tree for p < 1 without complaint",
}
def _interim(records):
    return tuple(Expected(i, r, where="every example (not yet narrowed)", when=lambda d: True) for i, r in records.items())


TOPIC = Topic(
    name="kdtree", title="kd-trees (kNN and range search)", contract=__doc__, reference="reference.neighbors.kdtree:KDTree",
    implementations=[
        Implementation("scipy.spatial:cKDTree", requires=("scipy",), expected=_interim(SCIPY_BAD_INPUT), precision="float64"),
        Implementation("scipy.spatial:KDTree", requires=("scipy",), expected=_interim(SCIPY_BAD_INPUT), precision="float64"),
        Implementation("properties.adapters.sklearn_kdtree:SklearnKDTree", requires=("sklearn",), precision="float64",
                       expected=_interim(SKLEARN_BAD_INPUT), note="sklearn.neighbors.KDTree through an adapter"),
    ],
    axes=(Axis("p", P_VALUES, "the Minkowski exponent of the metric"),
          Axis("operations", ("knn", "range"), "k-nearest-neighbour queries (query) and range queries (query_ball_point)",
               detect=lambda impl: [op for op, m in (("knn", "query"), ("range", "query_ball_point"))
                                    if callable(getattr(impl, m, None))])),
)

SOURCE = "Friedman, Bentley & Finkel, ACM TOMS 3(3) 1977; Bentley, CACM 18(9) 1975"


# ---------------------------------------------------------------- kNN invariants
@invariant(TOPIC, "kdtree.knn_distances", statement="d_(1..k)(x) = the k smallest ‖x − pⱼ‖_p, then inf for k > n",
           why="An exact kd-tree search prunes only cells that cannot hold a nearer point, so it returns the brute-force order statistics.",
           source=SOURCE, draws={"p": None}, requires={"operations": ("knn",)}, kind="tolerance", tolerance=ROUND, strategy=knn_cases(), max_examples=150)
def knn_distances_exact(impl, data):
    P, X, k, p = data["points"], data["x"], data["k"], data["p"]
    d, _ = knn(impl, P, X, k, p)
    assert_close(d, knn_distances(P, X, k, p), tol=ROUND, what=f"k-NN distances (k={k}, p={p})")


@invariant(TOPIC, "kdtree.knn_indices",
           statement="i_(1..k) are distinct, ‖x − p_{i_j}‖_p = d_j, and {‖x − p_i‖ : i ∈ I} = the k smallest (a k-NN set up to ties)",
           why="Each returned index must be a data point at the reported distance; ties at the k-th distance make the set, not the indices, unique.",
           source=SOURCE, draws={"p": None}, requires={"operations": ("knn",)}, kind="tolerance", tolerance=ROUND, strategy=knn_cases(), max_examples=30)
def knn_indices(impl, data):
    P, X, k, p = data["points"], data["x"], data["k"], data["p"]
    d, i = knn(impl, P, X, k, p)
    n, kk, D = len(P), min(k, len(P)), minkowski_distances(P, X, p)
    for q in range(len(X)):
        idx = i[q, :kk]
        assert_true(np.all((0 <= idx) & (idx < n)), f"query {q}: indices {idx.tolist()} outside [0, {n})")
        assert_true(len(set(idx.tolist())) == kk, f"query {q}: repeated indices {idx.tolist()}")
        assert_close(D[q, idx], d[q, :kk], tol=ROUND, what=f"query {q}: true distance of each returned index vs reported")
        assert_close(np.sort(D[q, idx]), np.sort(D[q])[:kk], tol=ROUND, what=f"query {q}: returned set's distances vs the k smallest")


@invariant(TOPIC, "kdtree.knn_sorted", statement="d_1 ≤ d_2 ≤ … ≤ d_k", why="scipy's contract returns neighbours nearest first.",
           source="scipy.spatial.cKDTree.query documentation", draws={"p": None}, requires={"operations": ("knn",)}, kind="exact", strategy=knn_cases(), max_examples=25)
def knn_sorted(impl, data):
    d, _ = knn(impl, data["points"], data["x"], data["k"], data["p"])
    bad = np.argwhere(d[:, 1:] < d[:, :-1])
    assert_true(bad.size == 0, f"distances not ascending at (query, position) {bad[:5].tolist()}: rows {d[np.unique(bad[:, 0])][:3].tolist()}")


self_cases = st.fixed_dictionaries({"points": clouds(), "p": option("p", P_VALUES)})


@invariant(TOPIC, "kdtree.self_zero", statement="query(pⱼ, k=1) = (0, i) with p_i = pⱼ, for every data point",
           why="‖pⱼ − pⱼ‖_p = 0 is the smallest possible distance; with duplicates any copy is a valid answer.",
           source=SOURCE, draws={"p": None}, requires={"operations": ("knn",)}, kind="exact", strategy=self_cases, max_examples=25)
def self_zero(impl, data):
    P, p = data["points"], data["p"]
    d, i = knn(impl, P, P, 1, p)
    assert_true(np.all(d[:, 0] == 0), f"distance from a data point to its nearest neighbour is not 0: {d[d[:, 0] != 0, 0][:5].tolist()}")
    i = np.clip(i[:, 0], 0, len(P) - 1)
    # the found point is a copy of pⱼ, or one so close that float64 computes their distance as 0 (e.g. 1e-209 vs 0, p = 2)
    gap = minkowski_distances(P, P, p)[np.arange(len(P)), i]
    wrong = np.flatnonzero(gap != 0)
    assert_true(wrong.size == 0, f"points {wrong[:5].tolist()} found indices {i[wrong][:5].tolist()} at distances {gap[wrong][:5].tolist()}, not 0")


@invariant(TOPIC, "kdtree.k_exceeds_n", statement="k > n: d = (sorted all n distances, inf, …), i = (a permutation of 0..n−1, n, …)",
           why="scipy's convention for missing neighbours: distance inf and index n (one past the last point).",
           source="scipy.spatial.cKDTree.query documentation", draws={"p": None}, requires={"operations": ("knn",)}, kind="tolerance", tolerance=ROUND,
           strategy=st.builds(lambda c, e: {**c, "k": len(c["points"]) + e}, knn_cases(), st.integers(1, 3)), max_examples=15)
def k_exceeds_n(impl, data):
    P, X, k, p = data["points"], data["x"], data["k"], data["p"]
    n = len(P)
    d, i = knn(impl, P, X, k, p)
    assert_close(d[:, :n], np.sort(minkowski_distances(P, X, p), axis=1), tol=ROUND, what="the n real neighbours")
    assert_true(np.all(np.isinf(d[:, n:])), f"distances past the n-th must be inf, got {d[:, n:].tolist()}")
    assert_true(np.all(i[:, n:] == n), f"indices past the n-th must be n = {n}, got {i[:, n:].tolist()}")
    for q in range(len(X)):
        assert_true(sorted(i[q, :n].tolist()) == list(range(n)), f"query {q}: first n indices {i[q, :n].tolist()} are not all points")


@invariant(TOPIC, "kdtree.norm_order", statement="d_k^(∞) ≤ d_k^(2) ≤ d_k^(1) ≤ √D·d_k^(2) ≤ D·d_k^(∞)",
           why="‖v‖_∞ ≤ ‖v‖_2 ≤ ‖v‖_1 ≤ √D‖v‖_2 ≤ D‖v‖_∞ pointwise, and order statistics keep a pointwise order.",
           source="Hölder's inequality; " + SOURCE, draws={"p": None}, requires={"p": (1.0, 2.0, math.inf)}, kind="metamorphic", tolerance=ROUND,
           strategy=st.builds(lambda c: {**c, "k": min(c["k"], len(c["points"]))}, knn_cases()), max_examples=20)
def norm_order(impl, data):
    P, X, k = data["points"], data["x"], data["k"]
    tree = call(impl, P)
    d1, d2, dinf = (knn(None, P, X, k, p, tree=tree)[0] for p in (1.0, 2.0, math.inf))
    D = P.shape[1]
    slack = 1 + ROUND.rtol
    for lo, hi, what in ((dinf, d2, "d^(∞) ≤ d^(2)"), (d2, d1, "d^(2) ≤ d^(1)"), (d1, math.sqrt(D) * d2, "d^(1) ≤ √D·d^(2)"),
                         (d2, math.sqrt(D) * dinf, "d^(2) ≤ √D·d^(∞)")):
        bad = np.argwhere(lo > hi * slack)
        if bad.size:
            raise InvariantViolation(f"{what} violated at (query, rank) {bad[:3].tolist()}: {float(lo[tuple(bad[0])])!r} > {float(hi[tuple(bad[0])])!r}")


# -------------------------------------------------------------- range invariants
@invariant(TOPIC, "kdtree.range_exact", statement="query_ball_point(x, r) = {j : ‖x − pⱼ‖_p ≤ r}, each index once",
           why="Bentley's range search visits every cell that meets the ball, so it finds exactly the brute-force set.",
           source=SOURCE, draws={"p": None}, requires={"operations": ("range",)}, kind="tolerance", tolerance=ROUND, strategy=ball_cases(), max_examples=150)
def range_exact(impl, data):
    P, X, r, p = data["points"], data["x"], data["r"], data["p"]
    got = balls(call(impl, P), X, r, p)
    must, may = ball_bounds(P, X, r, p, ROUND.rtol)
    D = minkowski_distances(P, X, p)
    for q, s in enumerate(got):
        assert_true(len(set(s)) == len(s), f"query {q}: repeated indices in {sorted(s)}")
        missing, extra = sorted(must[q] - set(s)), sorted(set(s) - may[q])
        assert_true(not missing and not extra, f"query {q}, r = {r!r}, p = {p}: missing {missing} (distances "
                                               f"{distances_of(D[q], missing)}), extra {extra} (distances {distances_of(D[q], extra)})")


@invariant(TOPIC, "kdtree.range_inclusive", statement="‖x − y‖_p = r ⇒ y ∈ query_ball_point(x, r) (integer data: the set is exact)",
           why="The ball is closed (d ≤ r); on integer data and integer r every distance comparison is exact in float64, so no rounding excuses a miss.",
           source="scipy.spatial.cKDTree.query_ball_point documentation", draws={"p": P_INTEGER}, requires={"operations": ("range",)}, kind="exact",
           strategy=integer_ball_cases(), max_examples=30)
def range_inclusive(impl, data):
    P, X, r, p = data["points"], data["x"], data["r"], data["p"]
    got = set(balls(call(impl, P), X, r, p)[0])
    want = ball_exact_integer(P, X, r, p)[0]
    assert_true(got == want, f"r = {r}, p = {p}: missing {sorted(want - got)}, extra {sorted(got - want)} "
                             f"(distances {distances_of(minkowski_distances(P, X, p)[0], sorted(want ^ got))})")


@st.composite
def monotone_cases(draw):
    case = draw(ball_cases())
    return {**case, "r2": case["r"] + draw(st.sampled_from((0.0, 1e-3, 0.5, 1.0, 10.0)), label="dr")}


@invariant(TOPIC, "kdtree.range_monotone", statement="r₁ ≤ r₂ ⇒ query_ball_point(x, r₁) ⊆ query_ball_point(x, r₂)",
           why="Balls are nested: ‖x − y‖ ≤ r₁ ≤ r₂.", source=SOURCE, draws={"p": None}, requires={"operations": ("range",)}, kind="metamorphic", strategy=monotone_cases(), max_examples=25)
def range_monotone(impl, data):
    P, X, p = data["points"], data["x"], data["p"]
    tree = call(impl, P)
    small, large = balls(tree, X, data["r"], p), balls(tree, X, data["r2"], p)
    for q, (a, b) in enumerate(zip(small, large)):
        assert_true(set(a) <= set(b), f"query {q}: S(r₁ = {data['r']!r}) has {sorted(set(a) - set(b))} not in S(r₂ = {data['r2']!r})")


# ----------------------------------------------------------- structure invariants
@st.composite
def permuted_cases(draw):
    case = draw(knn_cases())
    return {**case, "perm": draw(st.permutations(range(len(case["points"]))), label="perm"),
            "r": float(minkowski_distances(case["points"], case["x"][0], case["p"])[0].max()) / 2}


@invariant(TOPIC, "kdtree.permutation_invariance",
           statement="tree(Πpoints): same distances; indices map through Π (up to ties); balls map through Π",
           why="Nearest neighbours are a function of the point set; the storage order only renames the points.",
           source=SOURCE, draws={"p": None}, kind="metamorphic", tolerance=ROUND, strategy=permuted_cases(), max_examples=20)
def permutation_invariance(impl, data):
    P, X, k, p, r = data["points"], data["x"], data["k"], data["p"], data["r"]
    perm, n = np.array(data["perm"], dtype=np.int64), len(P)
    tree1, tree2 = call(impl, P), call(impl, P[perm])
    d1, i1 = knn(None, P, X, k, p, tree=tree1)
    d2, i2 = knn(None, P[perm], X, k, p, tree=tree2)
    assert_close(d2, d1, tol=ROUND, what="k-NN distances of the permuted tree")
    mapped = np.where((i2 >= 0) & (i2 < n), perm[np.clip(i2, 0, n - 1)], i2)
    D = minkowski_distances(P, X, p)
    same_up_to_ties(i1, mapped, d1[:, min(k, n) - 1], D, n, "permuted vs original k-NN indices")
    b1 = balls(tree1, X, r, p)
    b2 = [[int(perm[j]) if 0 <= j < n else j for j in s] for s in balls(tree2, X, r, p)]
    same_balls(b1, b2, D, r, "permuted vs original ball")


@st.composite
def duplicate_cases(draw):
    P = draw(clouds(max_n=30), label="points")
    c = draw(st.integers(2, 8), label="copies")
    y = P[draw(st.integers(0, len(P) - 1))]
    Q = np.vstack([P, np.repeat(y[None], c, axis=0)])
    return {"points": Q[list(draw(st.permutations(range(len(Q)))))], "y": y, "p": draw(option("p", P_VALUES))}


@invariant(TOPIC, "kdtree.duplicates", statement="for Z = {j : ‖pⱼ − y‖_p = 0}: query(y, k=|Z|) = (0…0, Z) and query_ball_point(y, 0) = Z",
           why="Every copy of a point is at distance 0 from it and nothing else is (in float64, also a point whose distance to y underflows to 0).",
           source=SOURCE, draws={"p": None}, kind="exact",
           strategy=duplicate_cases(), max_examples=20)
def duplicates(impl, data):
    P, y, p = data["points"], data["y"], data["p"]
    Z = set(np.flatnonzero(minkowski_distances(P, y, p)[0] == 0).tolist())
    tree = call(impl, P)
    d, i = knn(None, P, y[None], len(Z), p, tree=tree)
    assert_true(np.all(d == 0) and set(i[0].tolist()) == Z, f"{len(Z)} copies of {y.tolist()}: query returned d = {d[0].tolist()}, i = {sorted(i[0].tolist())}, expected Z = {sorted(Z)}")
    s = balls(tree, y[None], 0.0, p)[0]
    assert_true(sorted(s) == sorted(Z), f"query_ball_point(y, 0) = {sorted(s)}, expected the copies {sorted(Z)}")


@st.composite
def grid_cases(draw):
    D = draw(st.integers(1, 3), label="D")
    a = draw(st.integers(*{1: (12, 40), 2: (4, 10), 3: (3, 5)}[D]), label="a")  # 12 ≤ a^D ≤ 125: the tree splits
    return {"a": a, "D": D, "perm": draw(st.permutations(range(a**D)), label="perm"),
            "centre": draw(hnp.arrays(np.int64, D, elements=st.integers(1, a - 2)), label="centre"),
            "p": draw(option("p", P_VALUES), label="p")}


@invariant(TOPIC, "kdtree.grid_closed_form",
           statement="grid {0..a−1}^D, interior node c: |B_p(c, 1)| = 2D+1 (p < ∞), 3^D (p = ∞); B(c, 0) = {c}; d_(1..|B|) = (0, 1, …, 1)",
           why="Lattice neighbours at distance 1 are c ± e_j for finite p and every c + {−1, 0, 1}^D for p = ∞; all other nodes are farther. Massive exact ties on every split plane.",
           source=SOURCE, draws={"p": None}, kind="exact", strategy=grid_cases(), max_examples=20)
def grid_closed_form(impl, data):
    a, D, c, p = data["a"], data["D"], data["centre"], data["p"]
    grid = np.stack(np.meshgrid(*[np.arange(a)] * D, indexing="ij"), axis=-1).reshape(-1, D)[list(data["perm"])]
    where = {tuple(g): j for j, g in enumerate(grid.tolist())}
    if p == math.inf:
        offsets = np.stack(np.meshgrid(*[[-1, 0, 1]] * D, indexing="ij"), axis=-1).reshape(-1, D)
    else:
        offsets = np.vstack([np.zeros((1, D), dtype=np.int64), np.eye(D, dtype=np.int64), -np.eye(D, dtype=np.int64)])
    want = {where[tuple((c + o).tolist())] for o in offsets}
    tree = call(impl, grid.astype(np.float64))
    x = c[None].astype(np.float64)
    s1, s0 = balls(tree, x, 1.0, p)[0], balls(tree, x, 0.0, p)[0]
    assert_true(sorted(s1) == sorted(want), f"|B(c, 1)| = {len(s1)}, expected {len(want)}: extra {sorted(set(s1) - want)}, missing {sorted(want - set(s1))}")
    assert_true(s0 == [where[tuple(c.tolist())]], f"B(c, 0) = {s0}, expected only c's index {where[tuple(c.tolist())]}")
    d, _ = knn(None, grid, x, len(want), p, tree=tree)
    assert_true(d[0].tolist() == [0.0] + [1.0] * (len(want) - 1), f"k-NN distances {d[0].tolist()}, expected (0, 1 × {len(want) - 1})")


@invariant(TOPIC, "kdtree.shapes",
           statement="x (D,): d, i scalar (k=1) or (k,); x (m, D): (m,) (k=1) or (m, k); i integer; balls: a list / m lists",
           why="scipy's output conventions: k = 1 drops the neighbour axis; one query point drops the query axis.",
           source="scipy.spatial.cKDTree.query / query_ball_point documentation", draws={"p": None}, kind="exact",
           strategy=st.builds(lambda c: {**c, "k": max(c["k"], 2)}, knn_cases()), max_examples=10)
def shapes(impl, data):
    P, X, k, p = data["points"], data["x"], data["k"], data["p"]
    tree = call(impl, P)
    for x, k_, shape in ((X[0], 1, ()), (X[0], k, (k,)), (X, 1, (len(X),)), (X, k, (len(X), k))):
        d, i = call(tree.query, x, k=k_, p=p)
        what = f"query(x of shape {x.shape}, k={k_})"
        expect_array(d, name=f"{what} distances", shape=shape, allow_inf=True, dtype_kind="f")
        expect_array(i, name=f"{what} indices", shape=shape, dtype_kind="iu")
    one = call(tree.query_ball_point, X[0], 1.0, p=p)
    assert_true(isinstance(one, list) and all(isinstance(j, (int, np.integer)) for j in one),
                f"query_ball_point(x of shape {X[0].shape}) must be a list of indices, got {type(one).__name__}: {one!r}"[:300])
    many = call(tree.query_ball_point, X, 1.0, p=p)
    assert_true(len(many) == len(X) and all(isinstance(s, list) for s in many),
                f"query_ball_point(x of shape {X.shape}) must hold {len(X)} lists, got {many!r}"[:300])


# --------------------------------------------------------------------- bad input
bad_cases = st.fixed_dictionaries({"points": clouds(max_n=4), "p": option("p", P_VALUES)})


@invariant(TOPIC, "kdtree.rejects_nonfinite", statement="NaN or ±inf in points or x ⇒ ValueError naming points/data or x",
           why="A distance involving NaN is NaN and compares false both ways: results would be silently wrong.",
           source="scipy.spatial.cKDTree documentation", draws={"p": None}, category="validation", kind="exact", strategy=bad_cases, max_examples=5)
def rejects_nonfinite(impl, data):
    P = data["points"]
    for bad in (np.nan, np.inf, -np.inf):
        Q = P.copy()
        Q[0, 0] = bad
        expect_rejection(lambda: impl(Q), ("points", "data"), f"points with {bad}")
        x = P[:1].copy()
        x[0, -1] = bad
        tree = call(impl, P)
        expect_rejection(lambda: tree.query(x), ("x",), f"query(x with {bad})")
        expect_rejection(lambda: tree.query_ball_point(x, 1.0), ("x",), f"query_ball_point(x with {bad})")


@invariant(TOPIC, "kdtree.rejects_wrong_dims", statement="points not 2-D, or x with last axis ≠ D ⇒ ValueError naming points/data or x",
           why="A mismatched query would broadcast against the data and return distances to the wrong thing.",
           source="scipy.spatial.cKDTree documentation", draws={"p": None}, category="validation", kind="exact", strategy=bad_cases, max_examples=5)
def rejects_wrong_dims(impl, data):
    P = data["points"]
    expect_rejection(lambda: impl(P.ravel()), ("points", "data"), f"points of shape {P.ravel().shape}")
    expect_rejection(lambda: impl(P[None]), ("points", "data"), f"points of shape {P[None].shape}")
    tree = call(impl, P)
    D = P.shape[1]
    for x in (np.zeros(D + 1), np.zeros((2, D + 1)), np.zeros((1, 1)) if D > 1 else np.zeros((1, 2))):
        expect_rejection(lambda: tree.query(x), ("x",), f"query(x of shape {x.shape}) on D = {D}")
        expect_rejection(lambda: tree.query_ball_point(x, 1.0), ("x",), f"query_ball_point(x of shape {x.shape}) on D = {D}")


@invariant(TOPIC, "kdtree.rejects_empty", statement="points of shape (0, D) or (n, 0) ⇒ ValueError naming points/data",
           why="A tree with no points (or no coordinates) has no nearest neighbour to return.",
           source="this suite's contract (the issue's bad-input list)", draws={"p": None}, category="validation", kind="exact", strategy=bad_cases, max_examples=3)
def rejects_empty(impl, data):
    P = data["points"]
    for E in (P[:0], P[:, :0]):
        expect_rejection(lambda: impl(E), ("points", "data"), f"points of shape {E.shape}")


@invariant(TOPIC, "kdtree.rejects_bad_k", statement="k ∉ {1, 2, …} (k = 0, k < 0, non-integer k) ⇒ ValueError naming k",
           why="The k nearest neighbours are defined for a positive integer k only.",
           source="this suite's contract (the issue's bad-input list)", draws={"p": None}, category="validation", kind="exact", strategy=bad_cases, max_examples=3)
def rejects_bad_k(impl, data):
    P = data["points"]
    tree = call(impl, P)
    for k in (0, -1, 2.5):
        expect_rejection(lambda: tree.query(P[:2], k=k), ("k",), f"query(x, k={k})")


@invariant(TOPIC, "kdtree.rejects_negative_r", statement="r < 0 (or NaN) ⇒ ValueError naming r",
           why="A ball of negative radius is meaningless; silently returning ∅ or |r|'s ball hides a caller's bug.",
           source="this suite's contract (the issue's bad-input list)", draws={"p": None}, category="validation", kind="exact", strategy=bad_cases, max_examples=3)
def rejects_negative_r(impl, data):
    P, p = data["points"], data["p"]
    tree = call(impl, P)
    for p_ in dict.fromkeys((2.0, p)):  # p = 2 first: scipy squares a negative r
        for r in (-0.5, -1e-12, math.nan):
            expect_rejection(lambda: tree.query_ball_point(P[:2], r, p=p_), ("r",), f"query_ball_point(x, r={r}, p={p_})")


@invariant(TOPIC, "kdtree.rejects_bad_p", statement="p < 1 or p = NaN ⇒ ValueError naming p",
           why="For p < 1, ‖·‖_p violates the triangle inequality; the kd-tree's pruning then proves nothing.",
           source="scipy.spatial.cKDTree.query documentation", draws={"p": None}, category="validation", kind="exact", strategy=bad_cases, max_examples=3)
def rejects_bad_p(impl, data):
    P = data["points"]
    tree = call(impl, P)
    for p in (0.5, 0.0, -1.0, math.nan):
        expect_rejection(lambda: tree.query(P[:2], k=1, p=p), ("p",), f"query(x, p={p})")
        expect_rejection(lambda: tree.query_ball_point(P[:2], 1.0, p=p), ("p",), f"query_ball_point(x, r, p={p})")


# ------------------------------------------------------------------- cross-check
@st.composite
def crosscheck_cases(draw):
    case = draw(knn_cases())
    return {**case, "r": draw(radii(case["points"], case["x"], case["p"]), label="r")}


@crosscheck(TOPIC, "kdtree.crosscheck", statement="same k-NN distances; index sets and balls equal up to ties / rounding of r",
            why="Independent exact kd-trees must agree with each other (and with brute force) on every query.",
            source="scipy cKDTree / KDTree, sklearn KDTree, reference.neighbors.kdtree", tolerance=ROUND, draws={"p": None},
            strategy=crosscheck_cases(), max_examples=20,
            pairs=[("reference.neighbors.kdtree:KDTree", "scipy.spatial:cKDTree"), ("scipy.spatial:cKDTree", "scipy.spatial:KDTree"),
                   ("scipy.spatial:cKDTree", "properties.adapters.sklearn_kdtree:SklearnKDTree")])
def crosscheck_trees(impl_a, impl_b, data):
    P, X, k, p, r = data["points"], data["x"], data["k"], data["p"], data["r"]
    ta, tb = call(impl_a, P), call(impl_b, P)
    (da, ia), (db, ib) = knn(None, P, X, k, p, tree=ta), knn(None, P, X, k, p, tree=tb)
    assert_close(db, da, tol=ROUND, what="k-NN distances, b vs a")
    D, n = minkowski_distances(P, X, p), len(P)
    same_up_to_ties(ia, ib, da[:, min(k, n) - 1], D, n, "k-NN index sets, a vs b")
    same_balls(balls(ta, X, r, p), balls(tb, X, r, p), D, r, "balls, a vs b")
