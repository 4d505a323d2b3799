"""r_regression: Pearson's correlation of each feature with a continuous target (a ranking score).

Contract (scikit-learn's ``sklearn.feature_selection.r_regression``, center=True, force_finite=True)::

    r = f(X, y)                         # X: (n, d) float64, finite, n ≥ 2; y: (n,) float64
    r_j = Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²)   (what scipy.stats.pearsonr computes per column)
    a constant feature (or a constant y) has no correlation: r_j = 0 (force_finite's documented value)
    bad input: NaN → ValueError naming X

r is dimensionless and compared absolutely; sums are about the means, so exact to ε·(magnitude/spread)
for resolvable data.  Data includes constant columns and columns shifted up to 1e4 times their spread.
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import Expected, Implementation, Tolerance, Topic, assert_close, call, expect_array, invariant
from properties.features.data import columns_resolvable, feature_matrices
from properties.features.transformer_api import BadInput, expect_rejection, register_crosscheck
from properties.oracles.features import pearson_r

CANCELLATION = ("scikit-learn's r_regression computes ‖x − x̄‖ as √(Σx² − n·x̄²), which cancels catastrophically: a "
                "constant column gets ±inf (or NaN, forced to 0) instead of the documented 0, and a column far from 0 "
                "loses about ε·(offset/spread)² of r (7e-6 at an offset of 1e6 with spread 10). Open upstream: "
                "scikit-learn #11395 (fix proposed in PR #34834)")


def degenerate(data) -> bool:
    X = data["X"]
    spread = np.ptp(X, axis=0)
    return bool(((spread == 0) | (np.abs(X).max(axis=0) >= 100 * spread)).any())


TOPIC = Topic(
    name="r_regression", title="Pearson ranking (r_regression)", contract=__doc__,
    reference="reference.features.univariate:r_regression",
    implementations=[Implementation(
        "sklearn.feature_selection:r_regression", requires=("sklearn",), precision="float64",
        expected=(Expected("r_regression.matches_pearson", CANCELLATION, strict=False, when=degenerate,
                           where="some column is constant or sits at an offset ≥ 100× its spread"),))],
)
SOURCE = "Pearson (1895); scipy.stats.pearsonr; scikit-learn User Guide §1.13.2 (r_regression, force_finite)"
TOL = Tolerance(atol=1e-10, reason="centred sums carry a relative error of ~n·ε·(magnitude/spread) ≤ 2e-11 for resolvable "
                "data; r is at most 1")


@st.composite
def cases(draw):
    X = draw(feature_matrices(min_rows=3, max_cols=4), label="X").copy()
    if draw(st.booleans(), label="offset column"):
        j = draw(st.integers(0, X.shape[1] - 1), label="offset column index")
        if np.ptp(X[:, j]) > 0:
            X[:, j] += draw(st.sampled_from((1e4, 1e3, 1e2)), label="offset / spread") * np.ptp(X[:, j])
            assume(columns_resolvable(X))
    noise = draw(hnp.arrays(np.float64, X.shape[0], elements=st.integers(-3, 3).map(float)), label="noise")
    w = draw(hnp.arrays(np.float64, X.shape[1], elements=st.integers(-2, 2).map(float)), label="weights")
    Xs = (X - X.mean(axis=0)) / np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1.0)
    y = Xs @ w + noise
    return {"X": X, "y": y}


@invariant(TOPIC, "r_regression.matches_pearson",
           statement="r_j = Σ(x − x̄)(y − ȳ)/√(Σ(x − x̄)² Σ(y − ȳ)²), and 0 for a constant feature",
           why="Pearson's r is the covariance over the product of standard deviations; force_finite documents 0 where "
               "it is undefined.",
           source=SOURCE, kind="tolerance", tolerance=TOL, strategy=cases(), max_examples=10)
def matches_pearson(impl, data):
    X, y = data["X"], data["y"]
    r = expect_array(call(impl, X, y), name="r", shape=(X.shape[1],))
    assert_close(r, pearson_r(X, y), what="r per feature")


def _nan(impl, data):
    bad = data["X"].copy()
    bad[0, -1] = np.nan
    return lambda: impl(bad, data["y"])


BAD = {"nan": BadInput("a NaN entry of X", _nan, ("X",))}


@invariant(TOPIC, "r_regression.rejects_bad_input", category="validation", statement="NaN in X ⇒ ValueError naming X",
           why="A NaN makes its column's correlation NaN, which force_finite would silently turn into 0.",
           source="this suite's contract (the issue's bad-input list)", kind="exact",
           strategy=cases().map(lambda d: {**d, "case": "nan"}), max_examples=3)
def rejects_bad_input(impl, data):
    case = BAD[data["case"]]
    expect_rejection(case.run(impl, data), case.names, f"{data['case']}: {case.doc}")


def same_r(a, b, data):
    X, y = data["X"], data["y"]
    ra = expect_array(call(a, X, y), name="reference r", shape=(X.shape[1],))
    assert_close(expect_array(call(b, X, y), name="library r", shape=ra.shape), ra, what="r per feature")


def _iris_regression():
    from properties.features.data import iris_samples

    return iris_samples().map(lambda Xy: {"X": Xy[0][:, :-1] if Xy[0].shape[1] > 1 else Xy[0],
                                          "y": Xy[0][:, -1] + Xy[1]})


register_crosscheck(TOPIC, "sklearn.feature_selection:r_regression", compare=same_r, tolerance=TOL,
                    strategy=_iris_regression(),
                    statement="reference and scikit-learn give the same r on iris (the generated hazards are judged by "
                              "r_regression.matches_pearson, where scikit-learn's cancellation is recorded)")
