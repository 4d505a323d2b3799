"""Binarizer: 1 where a value exceeds the threshold, 0 elsewhere — strictly.

Contract (scikit-learn's ``sklearn.preprocessing.Binarizer``, dense input)::

    est = Cls(threshold=t)              # t: a finite float (negative allowed for dense input)
    est.fit(X) -> est                   # learns the width only; X: (n, d) float64, finite
    est.transform(X) -> 1.0 where X > t, 0.0 where X ≤ t   (x = t maps to 0: the threshold is strict)
    est.fit_transform(X);  est.get_feature_names_out() -> [x0, x1, …]
    bad input: NaN, a transform-time width other than fit's → ValueError naming X

The threshold is drawn among the data's own values (ties at the threshold) and in between.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import Implementation, Topic, assert_true, invariant
from properties.features.data import feature_matrices
from properties.features.transformer_api import (NAN_AT_FIT, WRONG_WIDTH, fitted, iris_cases, register_api,
                                                 register_crosscheck, same_transform, transform)

TOPIC = Topic(
    name="binarizer", title="Binarisation (Binarizer)", contract=__doc__,
    reference="reference.features.stateless:Binarizer",
    implementations=[Implementation("sklearn.preprocessing:Binarizer", requires=("sklearn",), precision="float64")],
)
SOURCE = "scikit-learn User Guide §7.3.5 'Feature binarization'; sklearn.preprocessing.Binarizer ('values greater than the threshold map to 1, while values less than or equal to the threshold map to 0')"


@st.composite
def cases(draw):
    X = draw(feature_matrices(max_cols=4, constant=False), label="X")
    values = np.unique(X)
    if draw(st.booleans(), label="tie"):
        t = float(draw(st.sampled_from(values.tolist()), label="threshold"))
    else:
        t = float(draw(st.floats(-1e3, 1e3, allow_nan=False, width=64), label="threshold")) * max(np.abs(X).max(), 1e-300) / 1e3
    return {"X": X, "y": None, "params": {"threshold": t}}


register_api(TOPIC, cases=cases(), stateless=True, names="one-to-one", bad_input={"nan": NAN_AT_FIT, "width": WRONG_WIDTH})


@invariant(TOPIC, "binarizer.strict_threshold", statement="transform(X) = [X > t] ∈ {0, 1}, with x = t ↦ 0",
           why="The documented rule is strict: values greater than the threshold map to 1, values less than or equal "
               "to it map to 0.",
           source=SOURCE, kind="exact", strategy=cases(), max_examples=6)
def strict_threshold(impl, data):
    X, t = data["X"], data["params"]["threshold"]
    Z = transform(fitted(impl, data), X)
    expected = (X > t).astype(np.float64)
    wrong = np.argwhere(Z != expected)
    assert_true(wrong.size == 0, f"threshold t = {t!r}: at {wrong[:5].tolist()} x = {X[tuple(wrong[0])] if wrong.size else None!r} "
                f"maps to {Z[tuple(wrong[0])] if wrong.size else None}, expected [x > t] (ties map to 0)")


register_crosscheck(TOPIC, "sklearn.preprocessing:Binarizer", compare=same_transform,
                    strategy=st.one_of(iris_cases(lambda X: st.sampled_from(np.unique(X).tolist()).map(
                        lambda t: {"threshold": float(t)})), cases()))
