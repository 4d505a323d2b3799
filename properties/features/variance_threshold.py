"""VarianceThreshold: keep exactly the columns whose variance exceeds the threshold.

Contract (scikit-learn's ``sklearn.feature_selection.VarianceThreshold``)::

    est = Cls(threshold=t)              # t ≥ 0
    est.fit(X) -> est                   # X: (n, d) float64; NaN = missing, ignored by the variances
    est.variances_                      # (d,): ddof-0 variance of each column's observed values
    est.get_support() = variances_ > t  # strictly greater: a column whose variance equals t is dropped
    est.transform(X) -> X[:, get_support()];  selector API (get_support, inverse_transform, names)
    bad input: an infinite entry, a transform-time width other than fit's (X), a threshold no column exceeds
    (threshold) → ValueError naming the parameter

Data: small integers on 2, 4 or 8 rows at power-of-two scales, so that every variance is exact in float64 and
a threshold drawn equal to a column's variance is a true tie; planted constant columns (at 0.1 and 1e8 + 0.1
too, whose computed variance need not round to 0); NaN in some examples.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import Expected, Implementation, Tolerance, Topic, assert_close, assert_true, expect_array, invariant
from properties.features.transformer_api import (INF_AT_FIT, WRONG_WIDTH, BadInput, build, fitted, iris_cases,
                                                 register_api, register_crosscheck, same_support)
from properties.features.data import CONSTANTS, constant_columns
from properties.oracles.features import mean_var
from properties.strategies import integer_grids

PEAK_TO_PEAK = ("with threshold=0 scikit-learn reports variances_ = min(variance, peak-to-peak) per column (a guard "
                "against round-off on constant columns, scikit-learn #13704; reported as #31538): whenever a column's "
                "range is smaller than its variance (a spread above 4 units) variances_ is the range, not the variance. "
                "The selection itself is unaffected")


def ptp_below_variance(data) -> bool:
    X = data["X"]
    return data["params"]["threshold"] == 0 and bool((np.nanmax(X, 0) - np.nanmin(X, 0) < variances(X)).any())


ROUNDED_CONSTANT = ("scikit-learn computes the variances with np.nanvar, which gives a constant column whose mean float64 "
                    "cannot represent exactly a round-off variance of about (ε·|c|)² (2.2e-16 for 1e8 + 0.1 on 3 rows): a "
                    "threshold below it keeps a constant column. Its peak-to-peak guard for that round-off (scikit-learn "
                    "#13691, #13704) applies to threshold = 0 only")


def constant_kept_by_round_off(data) -> bool:
    X, t = data["X"], data["params"]["threshold"]
    return t > 0 and any(np.nanvar(X[:, j]) > t for j in np.flatnonzero(constant_columns(X)))


TOPIC = Topic(
    name="variance_threshold", title="Variance threshold (VarianceThreshold)", contract=__doc__,
    reference="reference.features.selection:VarianceThreshold",
    implementations=[Implementation(
        "sklearn.feature_selection:VarianceThreshold", requires=("sklearn",), precision="float64",
        expected=(Expected("variance_threshold.keeps_above_threshold", PEAK_TO_PEAK, when=ptp_below_variance,
                           where="threshold = 0 and some column's range is smaller than its variance",
                           match="variances_"),
                  Expected("variance_threshold.keeps_above_threshold", ROUNDED_CONSTANT, when=constant_kept_by_round_off,
                           where="a threshold > 0 below numpy's round-off variance of a constant column", strict=False)))],
)
SOURCE = "scikit-learn User Guide §1.13.1 'Removing features with low variance'"
VAR = Tolerance(atol=1e-14, reason="exact for the NaN-free columns (dyadic data); a column with NaN has a variance over a "
                "non-power-of-two count, exact to a few ε of its squared magnitude")


def variances(X):
    return np.array([mean_var(X[:, j])[1] for j in range(X.shape[1])])


@st.composite
def cases(draw, missing=True):
    n = draw(st.sampled_from((2, 4, 8)), label="n")
    d = draw(st.integers(1, 4), label="d")
    X = draw(integer_grids(n, d), label="X") * draw(st.sampled_from((1.0, 0.25, 8.0)), label="scale")
    if draw(st.booleans(), label="a constant column"):
        X[:, draw(st.integers(0, d - 1), label="constant column")] = draw(st.sampled_from(CONSTANTS), label="constant")
    if missing and draw(st.booleans(), label="with NaN"):
        mask = draw(hnp.arrays(np.bool_, X.shape), label="missing")
        mask[0] = False
        X = np.where(mask, np.nan, X)
    v = variances(X)
    below_max = sorted(set(v[~np.isnan(X).any(axis=0)].tolist()) - {float(np.nanmax(v))})
    choice = draw(st.sampled_from(("tie", "zero", "between")), label="threshold kind")
    if choice == "tie" and below_max:
        t = float(draw(st.sampled_from(below_max), label="threshold"))
    elif choice == "between":
        t = float(draw(st.floats(0, max(float(np.nanmax(v)), 1e-300), allow_nan=False), label="threshold"))
    else:
        t = 0.0
    if not (v > t).any():
        t = 0.0 if (v > 0).any() else t
    return {"X": X, "y": None, "params": {"threshold": t}}


def _none_kept(impl, data):
    est = build(impl, {**data, "params": {"threshold": float(np.nanmax(variances(data["X"])))}})
    return lambda: est.fit(data["X"])


register_api(TOPIC, cases=cases(missing=False).filter(lambda d: (variances(d["X"]) > d["params"]["threshold"]).any()),
             selector=True, names="selected",
             bad_input={"inf": INF_AT_FIT, "width": WRONG_WIDTH,
                        "none_kept": BadInput("a threshold no column's variance exceeds", _none_kept, ("threshold",))})


@invariant(TOPIC, "variance_threshold.keeps_above_threshold",
           statement="variances_ = the ddof-0 variances of the observed values; get_support() = (variances_ > threshold)",
           why="The selector keeps a column exactly when its variance exceeds the threshold — strictly, so a tie is dropped.",
           source=SOURCE, kind="tolerance", tolerance=VAR,
           strategy=cases().filter(lambda d: (variances(d["X"]) > d["params"]["threshold"]).any()), max_examples=6)
def keeps_above_threshold(impl, data):
    X, t = data["X"], data["params"]["threshold"]
    est = fitted(impl, data)
    v = variances(X)
    got = expect_array(est.variances_, name="variances_", shape=v.shape)
    m = np.nanmax(np.abs(X), axis=0) ** 2
    m = np.where(m > 0, m, 1.0)
    assert_close(got / m, v / m, what="variances_ (in units of each column's squared magnitude)")
    mask = expect_array(est.get_support(), name="get_support()", shape=v.shape, dtype_kind="b")
    assert_true(np.array_equal(mask, v > t), f"threshold {t!r}: kept {np.flatnonzero(mask).tolist()}, but the columns "
                f"with variance > threshold are {np.flatnonzero(v > t).tolist()} (variances {v.tolist()})")


def same_selection(a, b, data):
    same_support(a, b, data)
    X = data["X"]
    va = expect_array(fitted(a, data).variances_, name="reference variances_", shape=(X.shape[1],))
    vb = expect_array(fitted(b, data).variances_, name="library variances_", shape=(X.shape[1],))
    if data["params"]["threshold"] > 0:
        m = np.nanmax(np.abs(X), axis=0) ** 2
        assert_close(vb / m, va / m, what="library vs reference variances_ (units of the squared magnitude)")


register_crosscheck(TOPIC, "sklearn.feature_selection:VarianceThreshold", compare=same_selection, tolerance=VAR,
                    strategy=st.one_of(iris_cases(lambda X: st.sampled_from([0.0, 0.2, 0.5]).map(lambda t: {"threshold": t})),
                                       cases()).filter(lambda d: (variances(d["X"]) > d["params"]["threshold"]).any()))
