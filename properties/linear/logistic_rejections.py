"""Logistic regression: bad input is rejected with a ValueError naming the parameter (category validation).
Registered on the topic of ``properties.linear.logistic`` (its docstring is the contract)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import SkipCheck, invariant, supports
from properties.linear.logistic import SOURCE, TOPIC
from properties.linear.logistic_cases import LABEL_SETS, OPTIONS, expect_rejection, fit_call

POLICY = "scikit-learn's estimator checks (check_estimators_nan_inf, check_classifiers_one_label) and the contract"


@st.composite
def small_problems(draw, *, classes: int = 2):
    """X (integers in [−3, 3]) and y with ``classes`` labels, the penalty and intercept options."""
    d = draw(st.integers(1, 3), label="d")
    n = draw(st.integers(2 * classes, 10), label="n")
    X = draw(hnp.arrays(np.float64, (n, d), elements=st.integers(-3, 3).map(float)), label="X")
    labels = draw(st.sampled_from(LABEL_SETS[classes]), label="labels")
    yi = np.arange(n) % classes
    return {"X": X, "y": np.array(labels)[yi], "labels": labels, "penalty": draw(OPTIONS["penalty"], label="penalty"),
            "fit_intercept": draw(OPTIONS["fit_intercept"], label="fit_intercept")}


def _kwargs(ex: dict, **more) -> dict:
    return {"C": 1.0, "penalty": ex["penalty"], "fit_intercept": ex["fit_intercept"], **more}


@st.composite
def one_class(draw):
    ex = draw(small_problems())
    label = draw(st.sampled_from(ex["labels"]), label="the only label")
    return {**ex, "y": np.full(len(ex["y"]), label), "case": f"every y = {label}"}


@invariant(TOPIC, "logistic.rejects_single_class", statement="y with one class ⇒ ValueError naming y",
           why="With one class there is nothing to discriminate: the binary likelihood is maximised only as the "
               "intercept → ±∞, and classes_ cannot have the two entries the model needs.",
           source=POLICY, kind="exact", category="validation", strategy=one_class(),
           draws={"penalty": None, "fit_intercept": None}, max_examples=3)
def rejects_single_class(impl, ex):
    expect_rejection(fit_call(impl, ex, **_kwargs(ex)), ("y",), f"fit with a single class ({ex['case']})")


NONFINITE = ("nan in X", "inf in X", "nan in y")


@st.composite
def nonfinite(draw):
    ex = draw(small_problems())
    case = draw(st.sampled_from(NONFINITE), label="case")
    i = draw(st.integers(0, len(ex["y"]) - 1), label="row")
    X, y = ex["X"].copy(), ex["y"].astype(np.float64)
    if case == "nan in y":
        y[i] = np.nan
    else:
        X[i, 0] = np.nan if case == "nan in X" else np.inf
    return {**ex, "X": X, "y": y, "case": case}


@invariant(TOPIC, "logistic.rejects_nonfinite", statement="NaN or inf in X, NaN in y ⇒ ValueError naming X or y",
           why="A non-finite entry makes the log-likelihood NaN; a fit on it returns garbage or hangs instead of "
               "telling the user which input is broken.", source=POLICY, kind="exact", category="validation",
           strategy=nonfinite(), draws={"penalty": None, "fit_intercept": None}, max_examples=8)
def rejects_nonfinite(impl, ex):
    name = "y" if ex["case"].endswith("y") else "X"
    expect_rejection(fit_call(impl, ex, **_kwargs(ex)), (name,), f"fit with {ex['case']}")


@st.composite
def bad_C(draw):
    ex = draw(small_problems())
    return {**ex, "case": draw(st.sampled_from((0.0, -1.0, float("nan"))), label="C")}


@invariant(TOPIC, "logistic.rejects_bad_C", statement="C ≤ 0 or NaN (with a penalty) ⇒ ValueError naming C",
           why="C is the inverse regularisation strength: C ≤ 0 flips or removes the loss term's sign, so the "
               "objective C·Σ sᵢℓᵢ + R has no minimiser (or the wrong one).", source=POLICY, kind="exact",
           category="validation", strategy=bad_C(), draws={"penalty": ("l2", "l1"), "fit_intercept": None},
           max_examples=6)
def rejects_bad_C(impl, ex):
    expect_rejection(fit_call(impl, ex, **_kwargs(ex, C=ex["case"])), ("C",), f"fit with C = {ex['case']}")


@invariant(TOPIC, "logistic.rejects_multiclass_if_binary_only",
           statement="multiclass ∌ multinomial and y with 3 classes ⇒ ValueError naming y",
           why="A binary-only implementation that accepts three classes silently fits something else (one class "
               "against the rest, or labels read as numbers).", source="the contract's declared support",
           kind="exact", category="validation", strategy=small_problems(classes=3),
           draws={"penalty": None, "fit_intercept": None}, max_examples=2)
def rejects_multiclass_if_binary_only(impl, ex):
    if supports("multiclass", "multinomial"):
        raise SkipCheck("the implementation supports multinomial fits: three classes are not bad input for it")
    expect_rejection(fit_call(impl, ex, **_kwargs(ex)), ("y",), "a binary-only fit with three classes")
