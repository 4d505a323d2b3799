"""mutual_info_classif with discrete features: the plug-in mutual information of each feature and the class.

Contract (scikit-learn's ``sklearn.feature_selection.mutual_info_classif``, discrete_features=True)::

    mi = f(X, y, discrete_features=True, random_state=0)   # X: (n, d) float64 codes; y: n labels
    mi_j = Σ_{a,k} p(a, k) log(p(a, k) / (p(a) p(k)))      # nats, p the empirical joint frequencies
    0 ≤ mi_j ≤ H(y)
    bad input: NaN → ValueError naming X

The continuous (k-nearest-neighbour) estimator, which adds random noise, is out of scope: its value is a
statistical estimate with no closed form to judge it by.  Data: a few codes per column (ties by construction).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import Implementation, Tolerance, Topic, assert_close, assert_leq, call, expect_array, invariant
from properties.features.data import labels
from properties.features.transformer_api import BadInput, expect_rejection, iris_cases, register_crosscheck
from properties.oracles.features import class_entropy, mutual_information

TOPIC = Topic(
    name="mutual_info_classif", title="Mutual information of discrete features (mutual_info_classif)", contract=__doc__,
    reference="reference.features.univariate:mutual_info_classif",
    implementations=[Implementation("sklearn.feature_selection:mutual_info_classif", requires=("sklearn",),
                                    precision="float64")],
)
SOURCE = "Cover & Thomas, Elements of Information Theory (2006), §2.3; scikit-learn User Guide §1.13.2"
TOL = Tolerance(atol=1e-12, reason="a sum of ≤ 30 terms p·log(p/q), each exact to a few ε (nats, at most log C)")


@st.composite
def cases(draw):
    y = draw(labels(min_per_class=1, max_per_class=5))
    d = draw(st.integers(1, 3), label="d")
    X = draw(hnp.arrays(np.float64, (y.size, d), elements=st.sampled_from((0.0, 1.0, 2.0, 7.5))), label="X")
    return {"X": X, "y": y}


def mi(impl, X, y):
    return expect_array(call(impl, X, y, discrete_features=True, random_state=0), name="mi", shape=(X.shape[1],))


@invariant(TOPIC, "mutual_info_classif.discrete_plugin",
           statement="mi_j = Σ p(a, k) log(p(a, k)/(p(a) p(k))) from the feature × class contingency table (nats); "
                     "0 ≤ mi_j ≤ H(y)",
           why="For discrete features the mutual information of the empirical joint distribution is a finite sum over "
               "the contingency table; it is non-negative and at most the class entropy.",
           source=SOURCE, kind="tolerance", tolerance=TOL, strategy=cases(), max_examples=6)
def discrete_plugin(impl, data):
    X, y = data["X"], data["y"]
    got = mi(impl, X, y)
    assert_close(got, np.array([mutual_information(X[:, j], y) for j in range(X.shape[1])]), what="mutual information (nats)")
    for j, v in enumerate(got):
        assert_leq(0.0, float(v), what=f"0 ≤ mi_{j}")
        assert_leq(float(v), class_entropy(y), what=f"mi_{j} ≤ H(y)")


def _nan(impl, data):
    bad = data["X"].copy()
    bad[0, -1] = np.nan
    return lambda: impl(bad, data["y"], discrete_features=True, random_state=0)


BAD = {"nan": BadInput("a NaN entry of X", _nan, ("X",))}


@invariant(TOPIC, "mutual_info_classif.rejects_bad_input", category="validation", statement="NaN in X ⇒ ValueError naming X",
           why="NaN is not a code: counting it as one silently invents a category.",
           source="this suite's contract (the issue's bad-input list)", kind="exact",
           strategy=cases().map(lambda d: {**d, "case": "nan"}), max_examples=2)
def rejects_bad_input(impl, data):
    case = BAD[data["case"]]
    expect_rejection(case.run(impl, data), case.names, f"{data['case']}: {case.doc}")


def same_mi(a, b, data):
    X, y = data["X"], data["y"]
    assert_close(mi(b, X, y), mi(a, X, y), what="mutual information (nats)")


register_crosscheck(TOPIC, "sklearn.feature_selection:mutual_info_classif", compare=same_mi, tolerance=TOL,
                    strategy=st.one_of(iris_cases(supervised=True, prepare=lambda X: np.round(X)), cases()),
                    max_examples=4)
