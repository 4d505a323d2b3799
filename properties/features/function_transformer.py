"""FunctionTransformer with log1p and its inverse expm1.

Contract (scikit-learn's ``sklearn.preprocessing.FunctionTransformer``)::

    est = Cls(func=np.log1p, inverse_func=np.expm1, validate=True, feature_names_out="one-to-one")
    est.fit(X) -> est                   # learns the width only; X: (n, d) float64, finite, X > −1
    est.transform(X) -> log1p(X)        est.inverse_transform(Z) -> expm1(Z)
    est.fit_transform(X);  est.get_feature_names_out() -> [x0, x1, …]
    bad input (validate=True): NaN, a transform-time width other than fit's → ValueError naming X

Values are drawn non-negative at scales 1, 1e-5 and 1e3, the first column 1e-9 times smaller: log1p must keep
full relative precision near 0, which log(1 + x) does not.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import Implementation, Tolerance, Topic, assert_close, call, invariant
from properties.features.data import feature_matrices
from properties.features.transformer_api import (NAN_AT_FIT, WRONG_WIDTH, fitted, iris_cases, output, register_api,
                                                 register_crosscheck, same_transform, transform)

TOPIC = Topic(
    name="function_transformer", title="Custom transforms (FunctionTransformer with log1p)", contract=__doc__,
    reference="reference.features.stateless:FunctionTransformer",
    implementations=[Implementation("sklearn.preprocessing:FunctionTransformer", requires=("sklearn",), precision="float64")],
)
SOURCE = "scikit-learn User Guide §7.3.8 'Custom transformers'; numpy.log1p / numpy.expm1 (accurate near 0)"
PARAMS = {"func": np.log1p, "inverse_func": np.expm1, "validate": True, "feature_names_out": "one-to-one"}
ULPS = Tolerance(rtol=1e-14, reason="log1p and expm1 are each correct to ≲ 1 ulp relative; a round trip to a few ulp: "
                 "1e-14 ≈ 45 ulp")


def _with_tiny_column(X):
    X = np.abs(X)
    X[:, 0] *= 1e-9  # log1p's reason to exist: full relative precision near 0
    return {"X": X, "y": None, "params": dict(PARAMS)}


def cases():
    return feature_matrices(max_cols=3, scales=(0, -5, 3)).map(_with_tiny_column)


register_api(TOPIC, cases=cases(), stateless=True, names="one-to-one", inverse=True,
             bad_input={"nan": NAN_AT_FIT, "width": WRONG_WIDTH})


@invariant(TOPIC, "function_transformer.applies_func", statement="transform(X) = log1p(X) entrywise, to relative precision",
           why="FunctionTransformer applies func to the validated array and nothing else.",
           source=SOURCE, kind="tolerance", tolerance=ULPS, strategy=cases(), max_examples=6)
def applies_func(impl, data):
    X = data["X"]
    assert_close(transform(fitted(impl, data), X), np.log1p(X), what="transform(X) vs log1p(X)")


@invariant(TOPIC, "function_transformer.inverse_round_trip", statement="inverse_transform(transform(X)) = X, to relative precision",
           why="expm1 is the inverse of log1p on (−1, ∞).",
           source=SOURCE, kind="tolerance", tolerance=ULPS, strategy=cases(), max_examples=6)
def inverse_round_trip(impl, data):
    X = data["X"]
    est = fitted(impl, data)
    back = output(call(est.inverse_transform, transform(est, X)), X.shape[0], "inverse_transform(Z)")
    assert_close(back, X, what="inverse_transform(transform(X))")


register_crosscheck(TOPIC, "sklearn.preprocessing:FunctionTransformer", compare=same_transform, tolerance=ULPS,
                    strategy=st.one_of(iris_cases(st.just(PARAMS).map(dict)), cases()))
