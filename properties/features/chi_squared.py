"""chi_squared: the χ² statistic of each non-negative feature against the class, and its p-value.

Contract (scikit-learn's ``sklearn.feature_selection.chi2``)::

    scores, pvalues = f(X, y)           # X: (n, d) float64, non-negative (counts, frequencies); y: n labels, C ≥ 2
    scores_j = Σ_k (O_kj − E_kj)² / E_kj,  O_kj = Σ_{i: yᵢ = k} X_ij,  E_kj = (n_k / n)·Σᵢ X_ij
    pvalues_j = P(χ²_{C−1} > scores_j);  a feature that never occurs (Σᵢ X_ij = 0) scores NaN
    bad input: a negative entry, NaN → ValueError naming X

Scores are compared in the unit of the feature's total mass Σᵢ X_ij (χ² is homogeneous of degree 1 in it),
p-values absolutely.  Data: counts 0 … 5 and non-negative floats of size ≤ 10 (χ² grows with the mass: at extreme scales every
p-value is 0 or 1 and p-values judge nothing), constant columns and, in a quarter of the examples, an all-zero
column.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import Expected, Implementation, Tolerance, Topic, assert_close, call, expect_array, invariant
from properties.features.data import feature_matrices, labels
from properties.strategies import integer_grids
from properties.features.transformer_api import BadInput, expect_rejection, iris_cases, register_crosscheck
from properties.oracles.features import chi2_scores

TOPIC = Topic(
    name="chi_squared", title="χ² scores of non-negative features (chi2)", contract=__doc__,
    reference="reference.features.univariate:chi2",
    implementations=[Implementation(
        "sklearn.feature_selection:chi2", requires=("sklearn",), precision="float64",
        expected=(Expected("chi_squared.rejects_bad_input", "scikit-learn's message for NaN is 'Input contains NaN.', which does "
                           "not name X", where="case = a NaN entry", when=lambda d: d["case"] == "nan",
                           match="Input contains NaN"),))],
)
SOURCE = "Pearson (1900); scikit-learn User Guide §1.13.2 'Univariate feature selection' (chi2); scipy.stats.chisquare"
TOL = {"default": Tolerance(atol=1e-12, reason="sums of ≤ 16 terms of size ≤ the feature's mass T_j, one square and one "
                            "division each: ≤ 50ε·T_j"),
       "p": Tolerance(atol=1e-10, reason="a p-value moves by its density times the score's rounding (≤ 1e-12·T_j)")}


@st.composite
def cases(draw):
    y = draw(labels())
    n, d = y.size, draw(st.integers(1, 4), label="d")
    X = draw(st.one_of(integer_grids(n, d, 0, 5),
                       feature_matrices(min_rows=n, max_rows=n, min_cols=d, max_cols=d).map(
                           lambda X: np.abs(X) / max(np.abs(X).max(), 1e-300) * 10)), label="X").copy()
    if draw(st.sampled_from((False, False, False, True)), label="an all-zero column"):
        X[:, draw(st.integers(0, d - 1), label="zero column")] = 0.0
    return {"X": X, "y": y}


def scores(impl, X, y):
    out = call(impl, X, y)
    s, p = out
    return (expect_array(s, name="scores", shape=(X.shape[1],), allow_nan=True),
            expect_array(p, name="pvalues", shape=(X.shape[1],), allow_nan=True))


@invariant(TOPIC, "chi_squared.matches_contingency",
           statement="scores_j = Σ_k (O_kj − E_kj)²/E_kj from the class × feature contingency counts; p_j = P(χ²_{C−1} > score_j)",
           why="χ² compares each class's share of the feature's mass with the share its size predicts; the statistic "
               "has C − 1 degrees of freedom.",
           source=SOURCE, kind="tolerance", tolerance=TOL, strategy=cases(), max_examples=6)
def matches_contingency(impl, data):
    X, y = data["X"], data["y"]
    s, p = scores(impl, X, y)
    want_s, want_p = chi2_scores(X, y)
    T = X.sum(axis=0)
    T = np.where(T > 0, T, 1.0)
    assert_close(s / T, want_s / T, what="χ² scores (in units of each feature's mass)")
    assert_close(p, want_p, tol="p", what="p-values")


def _negative(impl, data):
    bad = data["X"].copy()
    bad[0, 0] = -1.0
    return lambda: impl(bad, data["y"])


def _nan(impl, data):
    bad = data["X"].copy()
    bad[0, -1] = np.nan
    return lambda: impl(bad, data["y"])


BAD = {"negative": BadInput("a negative entry of X", _negative, ("X",)), "nan": BadInput("a NaN entry of X", _nan, ("X",))}


@invariant(TOPIC, "chi_squared.rejects_bad_input", category="validation",
           statement="a negative entry or NaN in X ⇒ ValueError naming X",
           why="χ² is defined for counts: a negative mass makes an expected count meaningless, and NaN propagates silently.",
           source="this suite's contract (the issue's bad-input list); scikit-learn's chi2 documentation",
           kind="exact", strategy=st.tuples(cases(), st.sampled_from(sorted(BAD))).map(lambda t: {**t[0], "case": t[1]}),
           max_examples=6)
def rejects_bad_input(impl, data):
    case = BAD[data["case"]]
    expect_rejection(case.run(impl, data), case.names, f"{data['case']}: {case.doc}")


def same_scores(a, b, data):
    X, y = data["X"], data["y"]
    (sa, pa), (sb, pb) = scores(a, X, y), scores(b, X, y)
    T = np.where(X.sum(axis=0) > 0, X.sum(axis=0), 1.0)
    assert_close(sb / T, sa / T, what="χ² scores (units of each feature's mass)")
    assert_close(pb, pa, tol="p", what="p-values")


register_crosscheck(TOPIC, "sklearn.feature_selection:chi2", compare=same_scores, tolerance=TOL,
                    strategy=st.one_of(iris_cases(supervised=True), cases()))
