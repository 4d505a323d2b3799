"""kd-trees, what is specific to the topic: the reference's own contract (bad input, no mutation, visit counts,
degenerate data, the sliding-midpoint rule, more dimensions than points), the oracle and the sklearn adapter.
Invariants × implementations (every split rule and leaf size registered), the cross-checks and the mutants run
in tests/test_topics.py; real-code scenarios in test_kdtree_real_code.py."""
import math

import numpy as np
import pytest

from properties.adapters.sklearn_kdtree import SklearnKDTree
from properties.engine import ImplementationFailure, check_example, find_invariant
from properties.oracles.neighbors import ball_exact_integer, knn_distances, minkowski_distances
from reference.neighbors.kdtree import KDTree


# ------------------------------------------------------------- reference contract
P = np.arange(24.0).reshape(8, 3) ** 1.5


@pytest.mark.parametrize("bad, param", [
    (np.array([[1.0, np.nan], [2.0, 3.0]]), "points"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), "points"),
    (np.ones(3), "points"),
    (np.ones((2, 2, 2)), "points"),
    (np.empty((0, 3)), "points"),
    (np.empty((3, 0)), "points"),
])
def test_bad_points_name_the_parameter(bad, param):
    with pytest.raises(ValueError, match=param):
        KDTree(bad)


@pytest.mark.parametrize("call, param", [
    (lambda t: t.query(P[0], k=0), "k must be an integer >= 1, got 0"),
    (lambda t: t.query(P[0], k=2.5), "k must be an integer >= 1, got 2.5"),
    (lambda t: t.query(P[0], k=True), "k must be"),
    (lambda t: t.query(P[0], p=0.5), "p must be a number >= 1"),
    (lambda t: t.query(P[0], p=math.nan), "p must be"),
    (lambda t: t.query(P[0], p=True), "p must be a number >= 1 \\(or inf\\), got True"),  # bool is not a number here
    (lambda t: t.query_ball_point(P[0], 1.0, p=True), "p must be .*got True"),
    (lambda t: t.query_ball_point(P[0], True), "r must be a number >= 0, got True"),
    (lambda t: t.query(np.ones(2)), r"x must have shape \(3,\)"),
    (lambda t: t.query(np.ones((2, 4))), "x must have shape"),
    (lambda t: t.query(np.array([np.nan, 0, 0])), "x must be finite"),
    (lambda t: t.query_ball_point(P[0], -0.5), "r must be a number >= 0, got -0.5"),
    (lambda t: t.query_ball_point(P[0], math.nan), "r must be"),
    (lambda t: t.query_ball_point(P[0], 1.0, p=0), "p must be"),
])
def test_bad_queries_name_the_parameter(call, param):
    with pytest.raises(ValueError, match=param):
        call(KDTree(P))


@pytest.mark.parametrize("kw, param", [(dict(leafsize=0), "leafsize"), (dict(split="mean"), "split")])
def test_bad_options(kw, param):
    with pytest.raises(ValueError, match=param):
        KDTree(P, **kw)


def test_inputs_are_not_mutated_or_aliased():
    points, x = P.copy(), P[:3].copy()
    tree = KDTree(points)
    tree.query(x, k=3)
    tree.query_ball_point(x, 5.0)
    np.testing.assert_array_equal(points, P)
    np.testing.assert_array_equal(x, P[:3])
    points[0, 0] = -1e9  # the tree holds its own copy
    np.testing.assert_array_equal(tree.data, P)


def test_visit_counter_one_entry_per_query():
    rng = np.random.default_rng(0)
    Q = rng.random((500, 2))
    tree = KDTree(Q, leafsize=4)
    tree.query(Q[:7], k=2)
    assert tree.last_query_visits.shape == (7,) and np.all(tree.last_query_visits >= 1)
    nodes, stack = 0, [tree.root]
    while stack:
        node = stack.pop()
        nodes += 1
        stack += [c for c in (node.left, node.right) if c is not None]
    assert tree.last_query_visits.max() <= nodes  # each node is visited at most once per query
    single = KDTree(Q[:4], leafsize=4)
    single.query_ball_point(Q[:3], 0.5)
    np.testing.assert_array_equal(single.last_query_visits, [1, 1, 1])  # one leaf: one visit


@pytest.mark.parametrize("split", ["median", "sliding_midpoint"])
def test_degenerate_data_builds_without_recursion(split):
    """Points 2^-j crowd one end: sliding midpoint then makes a chain as deep as n (no recursion limit)."""
    Q = np.exp2(-np.arange(1000.0))[:, None]
    tree = KDTree(Q, leafsize=1, split=split)
    d, i = tree.query(Q[[0, 700, -1]], k=2, p=1)
    np.testing.assert_array_equal(d, knn_distances(Q, Q[[0, 700, -1]], 2, 1))


def test_sliding_midpoint_slides_to_the_nearest_point():
    """All points right of the cell midpoint: the plane slides onto the leftmost, which goes left alone."""
    from reference.neighbors.kdtree import split_sliding_midpoint

    Q = np.array([[0.0], [0.9], [0.95], [1.0]])
    idx = np.array([1, 2, 3])
    dim, split, left, right = split_sliding_midpoint(Q, idx, np.array([0.0]), np.array([1.0]))
    assert (dim, split) == (0, 0.9) and left.tolist() == [1] and right.tolist() == [2, 3]


# --------------------------------------------------------------- oracle and adapter
def test_oracle_on_a_3_4_5_triangle():
    a, b = np.zeros((1, 2)), np.array([[3.0, 4.0]])
    assert [minkowski_distances(b, a, p)[0, 0] for p in (1, 2, math.inf)] == [7.0, 5.0, 4.0]
    assert ball_exact_integer(b, a, 5, 2) == [frozenset({0})] and ball_exact_integer(b, a, 4, 2) == [frozenset()]
    with pytest.raises(ValueError):
        ball_exact_integer(b + 0.5, a, 5, 2)
    np.testing.assert_array_equal(knn_distances(b, a, 3, 2), [[5.0, np.inf, np.inf]])


def test_sklearn_adapter_pads_like_scipy():
    """P has no tied distances, so indices may be compared directly here."""
    from scipy.spatial import cKDTree

    for x in (P[0], P[:2]):
        for k in (1, 3, 11):
            d, i = SklearnKDTree(P).query(x, k=k, p=1)
            ds, is_ = cKDTree(P).query(x, k=k, p=1)
            np.testing.assert_array_equal(d, ds)
            np.testing.assert_array_equal(i, is_)


@pytest.mark.parametrize("split", ["median", "sliding_midpoint"])
def test_more_dimensions_than_points(split):
    """Review finding 8.15: 11 points in 12-D, the widest coordinate last, so the root splits on coordinate 11 ≥ n.
    The reference answers exactly; a bounding box taken along the wrong axis (one value per point) fails there."""
    from tests.zoo.neighbors.kdtree import BoundingBoxWrongAxis

    Q = np.random.default_rng(3).random((11, 12)) * np.r_[np.ones(11), 10.0]
    example = {"points": Q, "x": Q[:3] + 0.01, "k": 4, "p": 2.0}
    inv = find_invariant("kdtree.knn_distances")
    assert KDTree(Q, split=split).root.dim == 11
    assert check_example(inv, f'reference.neighbors.kdtree:KDTree(split="{split}")', example) is None
    with pytest.raises(ImplementationFailure, match="IndexError"):
        check_example(inv, BoundingBoxWrongAxis, example)


def test_nondeterminism_is_named():
    """Review finding 8.3: a tree that breaks ties with numpy's global RNG returns a valid k-NN set every time —
    only calling it twice under different global random states shows it, and the failure says so."""
    from properties.neighbors.strategies import lattice
    from tests.zoo.neighbors.kdtree import RandomTieBreaking

    grid = lattice(3, 2)  # the centre (1, 1) has 4 neighbours tied at distance 1
    example = {"points": grid, "x": np.array([[1.0, 1.0]]), "k": 5, "p": 2.0, "r": 1.0}
    inv = find_invariant("kdtree.deterministic")
    assert check_example(inv, KDTree, example) is None
    with pytest.raises(AssertionError, match="nondeterministic: .* global random"):
        check_example(inv, RandomTieBreaking, example)
