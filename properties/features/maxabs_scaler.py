"""MaxAbsScaler: each column divided by its largest magnitude (no centring: zeros stay zeros).

Contract (scikit-learn's ``sklearn.preprocessing.MaxAbsScaler``)::

    est = Cls()
    est.fit(X) -> est                   # X: (n, d) float64; NaN = missing: ignored by fit, kept by transform
    est.max_abs_                        # (d,): max |x| of the observed values
    est.scale_                          # (d,): max_abs_, and 1 for an all-zero column (no division by zero)
    est.transform(X) -> X / scale_      est.inverse_transform(Z) -> Z·scale_
    est.fit_transform(X);  est.get_feature_names_out() -> [x0, x1, …]
    bad input: an infinite entry, a transform-time width other than fit's → ValueError naming X

No centring, so no translation invariance: only a change of scale (b = 0) cancels.  Data and units as in
``properties.features.scaling``.
"""
from __future__ import annotations

import numpy as np

from properties.engine import Implementation, Topic, assert_close, assert_true, invariant
from properties.features.scaling import (ROUNDING, ScalerSpec, magnitudes, near_constant_records, observed_columns,
                                         register_scaler, scaler_data, z_units)
from properties.features.transformer_api import INF_AT_FIT, WRONG_WIDTH, build, fit_transform, register_api

TOPIC = Topic(
    name="maxabs_scaler", title="Scaling by the maximum absolute value (MaxAbsScaler)", contract=__doc__,
    reference="reference.features.scalers:MaxAbsScaler",
    implementations=[Implementation("sklearn.preprocessing:MaxAbsScaler", requires=("sklearn",), precision="float64",
                                    expected=near_constant_records("maxabs_scaler", lambda X, p: _max_abs(X),
                                                                   "within_unit_interval"))],
)
SOURCE = "scikit-learn User Guide §7.3.1.1 'Scaling features to a range' (MaxAbsScaler)"


def _max_abs(X):
    return np.array([np.abs(x).max() for x in observed_columns(X)])


def centre_scale(X, params):
    m = _max_abs(X)
    return np.zeros_like(m), np.where(m > 0, m, 1.0)


def attributes(X, params):
    m = _max_abs(X)
    return {"max_abs_": (m, magnitudes(X), 1), "scale_": (np.where(m > 0, m, 1.0), magnitudes(X), 1)}


SPEC = ScalerSpec(centre_scale=centre_scale, attributes=attributes, reflect=lambda z, p: -z,
                  constant_value=lambda c, p: np.sign(c), scale_attribute="scale_", centres=False, source=SOURCE)
register_scaler(TOPIC, SPEC)
register_api(TOPIC, cases=scaler_data(SPEC), names="one-to-one", inverse=True,
             bad_input={"inf": INF_AT_FIT, "width": WRONG_WIDTH})


@invariant(TOPIC, "maxabs_scaler.within_unit_interval",
           statement="|fit_transform(X)| ≤ 1, and every column with a non-zero entry attains |z| = 1",
           why="z = x / max|x|: no entry exceeds its column's largest magnitude, which maps to ±1.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(SPEC), max_examples=6)
def within_unit_interval(impl, data):
    X = data["X"]
    Z = fit_transform(build(impl, data), data)
    c, s = centre_scale(X, data["params"])
    u = z_units(X, c, s)
    assert_true((np.abs(Z) / u <= 1 / u + ROUNDING.atol).all(), f"|z| > 1: max |z| per column {np.abs(Z).max(axis=0).tolist()}")
    nonzero = np.abs(X).max(axis=0) > 0
    assert_close(np.abs(Z).max(axis=0)[nonzero] / u[nonzero], 1 / u[nonzero], what="max |z| of the non-zero columns")
