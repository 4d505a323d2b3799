"""The established kd-tree libraries the topic validates, and where (narrowly) they differ from the contract.

Each record names the sub-cases of a validation invariant in which the library fails — the bad-input case is
part of the example (``properties.neighbors.strategies``: ``nonfinite_cases``, ``bad_k_cases``, …), so a record
is a predicate over it — and the failure expected there (``match``).  Every other case is judged normally.
Measured on scipy 1.17.1 and scikit-learn 1.9; the scipy and scikit-learn issue trackers were searched for each.
"""
from __future__ import annotations

import math

from properties.engine import Expected, Implementation

NO_ISSUE = "scipy 1.17; no upstream issue found"


def _is_nan(v):
    return isinstance(v, float) and math.isnan(v)


SCIPY = (
    Expected("kdtree.rejects_empty", where="points of shape (0, D)", when=lambda ex: ex["shape"][0] == 0,
             match="accepted",
             reason="scipy builds an empty tree by design (every query then answers distance inf, index 0): its "
                    "maintainers chose 'empty in, empty out' (scipy issue #5040)"),
    Expected("kdtree.rejects_empty", where="points of shape (n, 0)", when=lambda ex: ex["shape"][1] == 0,
             match="raised IndexError",
             reason=f"(n, 0) points fail with IndexError('Out of bounds on buffer access'), not a ValueError "
                    f"({NO_ISSUE})"),
    Expected("kdtree.rejects_bad_k", where="k ∈ {0, −1}", when=lambda ex: ex["k"] <= 0,
             match="does not name the parameter",
             reason=f"k ≤ 0 fails inside a numpy reduction: ValueError('zero-size array to reduction operation "
                    f"maximum which has no identity'), which does not name k ({NO_ISSUE})"),
    Expected("kdtree.rejects_bad_k", where="k = 2.5", when=lambda ex: ex["k"] == 2.5, match="accepted",
             reason=f"a non-integer k is accepted: query(x, k=2.5) answers 3 neighbours ({NO_ISSUE})"),
    Expected("kdtree.rejects_negative_r", where="r < 0 at p = 2", when=lambda ex: ex["r"] < 0 and ex["p"] == 2,
             match="accepted",
             reason=f"r is not validated, and for p = 2 scipy compares squared distances with r², so a negative r "
                    f"returns the ball of radius |r| ({NO_ISSUE})"),
    Expected("kdtree.rejects_negative_r", where="r = NaN at every p, and r < 0 at p ≠ 2",
             when=lambda ex: not (ex["r"] < 0 and ex["p"] == 2), match="accepted",
             reason=f"r is not validated: r < 0 at p ≠ 2 and r = NaN return empty sets ({NO_ISSUE})"),
    Expected("kdtree.rejects_bad_p", where="query with p = NaN",
             when=lambda ex: ex["operation"] == "knn" and _is_nan(ex["p"]), match="accepted",
             reason=f"query rejects p < 1 but accepts p = NaN, answering distance inf with index n, or a NaN "
                    f"distance ({NO_ISSUE})"),
    Expected("kdtree.rejects_bad_p", where="query_ball_point with p ∈ {0.5, 0, −1, NaN}",
             when=lambda ex: ex["operation"] == "range", match="accepted",
             reason=f"query_ball_point does not validate p: p = 0.5 answers a non-metric ball, p ∈ {{0, −1, NaN}} "
                    f"empty sets ({NO_ISSUE})"),
)

SKLEARN_MESSAGES = ("scikit-learn 1.9's input checks speak of 'Input', 'array' or 'query data' ('Input contains "
                    "NaN.', 'query data dimension must match training data dimension', 'Found array with dim 3', "
                    "'Found array with 0 sample(s)'), never of the parameter")
SKLEARN = (
    Expected("kdtree.rejects_nonfinite", where="every case: NaN or ±inf in the points or in x",
             when=lambda ex: True, match="does not name the parameter", reason=SKLEARN_MESSAGES),
    Expected("kdtree.rejects_wrong_dims", where="points of rank 3, and x of the wrong width (1-D points pass: "
             "'Reshape your data …' names the data)", when=lambda ex: ex["where"] == "x" or len(ex["shape"]) == 3,
             match="does not name the parameter", reason=SKLEARN_MESSAGES),
    Expected("kdtree.rejects_empty", where="both cases: (0, D) and (n, 0) points", when=lambda ex: True,
             match="does not name the parameter", reason=SKLEARN_MESSAGES),
    Expected("kdtree.rejects_bad_k", where="k = 0", when=lambda ex: ex["k"] == 0, match="accepted",
             reason="KDTree.query(X, k=0) returns empty (m, 0) arrays"),
    Expected("kdtree.rejects_bad_k", where="k = −1", when=lambda ex: ex["k"] == -1,
             match="does not name the parameter",
             reason="k < 0 fails in numpy's allocation: ValueError('negative dimensions are not allowed')"),
    Expected("kdtree.rejects_bad_k", where="k = 2.5", when=lambda ex: ex["k"] == 2.5, match="raised TypeError",
             reason="a non-integer k raises TypeError(\"'float' object cannot be interpreted as an integer\") from "
                    "the neighbour heap (the estimators validate n_neighbors since scikit-learn issue #11024; the "
                    "KDTree itself does not)"),
    Expected("kdtree.rejects_negative_r", where="every case: r ∈ {−0.5, −1e−12, NaN} at every p",
             when=lambda ex: True, match="accepted", reason="query_radius returns empty sets for r < 0 and r = NaN"),
    Expected("kdtree.rejects_bad_p", where="p ∈ {0.5, NaN}, both operations", when=lambda ex: not ex["p"] <= 0,
             match="accepted",
             reason="the Minkowski metric is built for p = 0.5 (not a metric: the tree's pruning then proves "
                    "nothing) and for p = NaN (NaN distances); p ≤ 0 is rejected with a message naming p"),
)

IMPLEMENTATIONS = [
    Implementation('reference.neighbors.kdtree:KDTree(split="sliding_midpoint", leafsize=1)', precision="float64",
                   note="the reference's sliding-midpoint split (Maneewongvatana–Mount), one point per leaf: every "
                        "point is cut off by its own plane, and the plane slides onto a point at every level"),
    Implementation("reference.neighbors.kdtree:KDTree(leafsize=2)", precision="float64",
                   note="the reference's median split with tiny leaves: deep trees, backtracking across many planes"),
    Implementation("scipy.spatial:cKDTree", requires=("scipy",), expected=SCIPY, precision="float64"),
    Implementation("scipy.spatial:KDTree", requires=("scipy",), expected=SCIPY, precision="float64"),
    Implementation("properties.adapters.sklearn_kdtree:SklearnKDTree", requires=("sklearn",), precision="float64",
                   expected=SKLEARN, note="sklearn.neighbors.KDTree through an adapter"),
]
