"""f_classif: the one-way ANOVA F of each feature against the class, and its p-value.

Contract (scikit-learn's ``sklearn.feature_selection.f_classif``)::

    F, pvalues = f(X, y)                # X: (n, d) float64, finite; y: n labels, C ≥ 2 classes, n > C
    F_j = (SS_B / (C − 1)) / (SS_W / (n − C)),  SS_B = Σ_k n_k (x̄_k − x̄)²,  SS_W = Σ_k Σ_{i∈k} (xᵢ − x̄_k)²
    pvalues_j = P(F_{C−1, n−C} > F_j)   (what scipy.stats.f_oneway computes per column)
    exactly: a constant column has F = NaN; a column constant within every class (not overall) has F = +∞, p = 0
    bad input: NaN → ValueError naming X

Sums of squares are about the means, so judged to ε·(magnitude/spread) relative; data (every column exactly
constant or resolvable) includes constant columns at 0.1 and 1e8 + 0.1, columns constant within each class,
and columns shifted far from 0 (offset up to 1e4 times their spread).
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from properties.engine import Expected, Implementation, Tolerance, Topic, assert_close, call, expect_array, invariant
from properties.features.data import columns_resolvable, labelled
from properties.features.transformer_api import BadInput, expect_rejection, iris_cases, register_crosscheck
from properties.oracles.features import anova_f, classes

CANCELLATION = ("scikit-learn's f_oneway computes each sum of squares by the one-pass formula Σx² − (Σx)²/n, which "
                "cancels catastrophically away from 0: a constant column at 0.1 gets a finite 'significant' F (9.0, "
                "p = 0.002, for 21 rows in 3 classes) instead of NaN, a column constant within each class a huge finite "
                "F instead of +∞, and F loses about ε·(offset/spread)² of relative precision. The same formula is "
                "behind the open scikit-learn #11395 (r_regression); scipy's f_oneway, fixed for constant input in "
                "scipy #11669, computes it about the means")


def degenerate(data) -> bool:
    """Some column is constant, constant within every class, or sits at an offset ≥ 100 times its spread."""
    X, (_, k) = data["X"], classes(data["y"])
    for x in X.T:
        spread = np.ptp(x)
        if spread == 0 or all(np.ptp(x[k == c]) == 0 for c in range(k.max() + 1)) or np.abs(x).max() >= 100 * spread:
            return True
    return False


TOPIC = Topic(
    name="f_classif", title="ANOVA F scores (f_classif)", contract=__doc__,
    reference="reference.features.univariate:f_classif",
    implementations=[Implementation(
        "sklearn.feature_selection:f_classif", requires=("sklearn",), precision="float64",
        expected=(Expected("f_classif.matches_anova", CANCELLATION, strict=False, when=degenerate,
                           where="some column is constant, constant within every class, or at an offset ≥ 100× its spread"),))],
)
SOURCE = "Fisher (1925), one-way analysis of variance; scipy.stats.f_oneway; scikit-learn User Guide §1.13.2"
TOL = {"default": Tolerance(rtol=1e-9, atol=1e-12, reason="sums of squares about the means carry a relative error of "
                            "~n·ε·(magnitude/spread) ≤ 2e-11 for resolvable data (spread ≥ 1e-4·magnitude)"),
       "p": Tolerance(atol=1e-9, reason="a p-value moves by its density times F's rounding")}


@st.composite
def cases(draw):
    X, y = draw(labelled(min_per_class=2, max_cols=4))
    X = X.copy()
    _, k = classes(y)
    hazard = draw(st.sampled_from(("none", "class_constant", "offset")), label="hazard")
    j = draw(st.integers(0, X.shape[1] - 1), label="hazard column")
    if hazard == "class_constant":
        X[:, j] = draw(st.sampled_from((0.1, 1.0, 3e-6)), label="step") * k
    elif hazard == "offset" and np.ptp(X[:, j]) > 0:
        X[:, j] += draw(st.sampled_from((1e2, 1e3, 1e4)), label="offset / spread") * np.ptp(X[:, j])
        assume(columns_resolvable(X))
    assume(X.shape[0] > k.max() + 1)
    return {"X": X, "y": y}


@invariant(TOPIC, "f_classif.matches_anova",
           statement="F_j = (SS_B/(C−1)) / (SS_W/(n−C)) (NaN for a constant column, +∞ for one constant within classes); "
                     "p_j = P(F_{C−1,n−C} > F_j)",
           why="The one-way ANOVA statistic compares the between-class to the within-class mean square; under the null "
               "it is F-distributed with (C − 1, n − C) degrees of freedom.",
           source=SOURCE, kind="tolerance", tolerance=TOL, strategy=cases(), max_examples=6)
def matches_anova(impl, data):
    X, y = data["X"], data["y"]
    F, p = call(impl, X, y)
    F = expect_array(F, name="F", shape=(X.shape[1],), allow_nan=True, allow_inf=True)
    p = expect_array(p, name="pvalues", shape=(X.shape[1],), allow_nan=True)
    want_F, want_p = anova_f(X, y)
    assert_close(F, want_F, what="F scores")
    assert_close(p, want_p, tol="p", what="p-values")


def _nan(impl, data):
    bad = data["X"].copy()
    bad[0, -1] = np.nan
    return lambda: impl(bad, data["y"])


BAD = {"nan": BadInput("a NaN entry of X", _nan, ("X",))}


@invariant(TOPIC, "f_classif.rejects_bad_input", category="validation", statement="NaN in X ⇒ ValueError naming X",
           why="A NaN makes its column's sums NaN: the feature's score would be silently undefined.",
           source="this suite's contract (the issue's bad-input list)", kind="exact",
           strategy=cases().map(lambda d: {**d, "case": "nan"}), max_examples=3)
def rejects_bad_input(impl, data):
    case = BAD[data["case"]]
    expect_rejection(case.run(impl, data), case.names, f"{data['case']}: {case.doc}")


def same_scores(a, b, data):
    X, y = data["X"], data["y"]
    Fa, pa = call(a, X, y)
    Fb, pb = call(b, X, y)
    assert_close(expect_array(Fb, name="library F", allow_nan=True, allow_inf=True),
                 expect_array(Fa, name="reference F", allow_nan=True, allow_inf=True), what="F scores")
    assert_close(expect_array(pb, name="library p", allow_nan=True), expect_array(pa, name="reference p", allow_nan=True),
                 tol="p", what="p-values")


register_crosscheck(TOPIC, "sklearn.feature_selection:f_classif", compare=same_scores, tolerance=TOL,
                    strategy=iris_cases(supervised=True),
                    statement="reference and scikit-learn give the same F and p on iris (the generated hazards are "
                              "judged by f_classif.matches_anova, where scikit-learn's cancellation is recorded)")
