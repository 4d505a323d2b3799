"""MinMaxScaler: interval scaling of each column onto feature_range = (a, b).

Contract (scikit-learn's ``sklearn.preprocessing.MinMaxScaler``, ``clip=False``)::

    est = Cls(feature_range=(a, b))     # a < b
    est.fit(X) -> est                   # X: (n, d) float64; NaN = missing: ignored by fit, kept by transform
    est.data_min_, est.data_max_, est.data_range_    # (d,): column min, max, max − min of the observed values
    est.scale_ = (b − a) / data_range_  # data_range_ → 1 for a constant column: no division by zero
    est.min_ = a − data_min_·scale_
    est.transform(X) -> a + (X − data_min_)·scale_  (= X·scale_ + min_)
    est.inverse_transform(Z) -> the x with transform(x) = Z
    est.fit_transform(X);  est.get_feature_names_out() -> [x0, x1, …]
    bad input: an infinite entry, a transform-time width other than fit's → ValueError naming X

A constant column maps to a (the bottom of the range).  Data and units as in ``properties.features.scaling``:
every column exactly constant or resolvable, tolerances relative to the column's own unit; the shift by 1e8
is judged on data whose spread float64 resolves at that offset.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import Implementation, Topic, assert_close, assert_true, invariant
from properties.features.scaling import (ROUNDING, ScalerSpec, magnitudes, near_constant_records, observed_columns,
                                         register_scaler, scaler_data, z_units)
from properties.features.transformer_api import INF_AT_FIT, WRONG_WIDTH, build, fit_transform, register_api

TOPIC = Topic(
    name="minmax_scaler", title="Interval scaling (MinMaxScaler)", contract=__doc__,
    reference="reference.features.scalers:MinMaxScaler",
    implementations=[Implementation("sklearn.preprocessing:MinMaxScaler", requires=("sklearn",), precision="float64",
                                    expected=near_constant_records("minmax_scaler", lambda X, p: _min_range(X)[2],
                                                                   "in_range_hits_ends",
                                                                   also=("inverse_round_trip",)))],
)
SOURCE = "scikit-learn User Guide §7.3.1.1 'Scaling features to a range'"
RANGES = ((0.0, 1.0), (-1.0, 1.0), (2.0, 5.0), (-3.5, -0.5))


def _range(params):
    return params.get("feature_range", (0.0, 1.0))


def _min_range(X):
    cols = observed_columns(X)
    lo, hi = np.array([x.min() for x in cols]), np.array([x.max() for x in cols])
    return lo, hi, hi - lo


def centre_scale(X, params):
    a, b = _range(params)
    lo, _, r = _min_range(X)
    s = np.where(r > 0, r, 1.0) / (b - a)
    return lo - a * s, s


def attributes(X, params):
    a, b = _range(params)
    lo, hi, r = _min_range(X)
    m = magnitudes(X)
    scale = (b - a) / np.where(r > 0, r, 1.0)
    return {"data_min_": (lo, m, 1), "data_max_": (hi, m, 1), "data_range_": (r, m, 1), "scale_": (scale, scale, 1),
            "min_": (a - lo * scale, abs(a) + m * scale, 1)}


SPEC = ScalerSpec(centre_scale=centre_scale, attributes=attributes, reflect=lambda z, p: sum(_range(p)) - z,
                  constant_value=lambda c, p: np.full_like(c, _range(p)[0]), scale_attribute="scale_", centres=True,
                  params=st.sampled_from(RANGES).map(lambda r: {"feature_range": r}), source=SOURCE)
register_scaler(TOPIC, SPEC)
register_api(TOPIC, cases=scaler_data(SPEC), names="one-to-one", inverse=True,
             bad_input={"inf": INF_AT_FIT, "width": WRONG_WIDTH})


@invariant(TOPIC, "minmax_scaler.in_range_hits_ends",
           statement="fit_transform(X) ∈ [a, b], and every non-constant column attains a and b",
           why="z = a + (x − min)(b − a)/(max − min) is increasing in x, a at the column's minimum and b at its maximum.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(SPEC), max_examples=6)
def in_range_hits_ends(impl, data):
    X = data["X"]
    a, b = _range(data["params"])
    Z = fit_transform(build(impl, data), data)
    c, s = centre_scale(X, data["params"])
    u = z_units(X, c, s)
    low, high = (Z - a) / u, (b - Z) / u
    assert_true((low >= -ROUNDING.atol).all() and (high >= -ROUNDING.atol).all(),
                f"fit_transform(X) leaves [{a}, {b}]: min {Z.min(axis=0).tolist()}, max {Z.max(axis=0).tolist()}")
    varying = np.ptp(X, axis=0) > 0
    assert_close(Z.min(axis=0)[varying] / u[varying], np.full(varying.sum(), a) / u[varying], what="column minima of z")
    assert_close(Z.max(axis=0)[varying] / u[varying], np.full(varying.sum(), b) / u[varying], what="column maxima of z")
