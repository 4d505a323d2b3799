"""RobustScaler: centring at the median, scaling by the interquartile range.

Contract (scikit-learn's ``sklearn.preprocessing.RobustScaler``, with_centering and with_scaling on)::

    est = Cls(quantile_range=(q_min, q_max))     # percentages, 0 ≤ q_min < q_max ≤ 100; (25, 75) by default
    est.fit(X) -> est                   # X: (n, d) float64; NaN = missing: ignored by fit, kept by transform
    est.center_                         # (d,): column medians of the observed values
    est.scale_                          # (d,): Q(q_max) − Q(q_min) (quantiles by linear interpolation between
                                        #       order statistics), and 1 where it is 0 (no division by zero)
    est.transform(X) -> (X − center_) / scale_     est.inverse_transform(Z) -> Z·scale_ + center_
    est.fit_transform(X);  est.get_feature_names_out() -> [x0, x1, …]
    bad input: an infinite entry, a transform-time width other than fit's → ValueError naming X

Quantile ranges are drawn symmetric (q_min + q_max = 100), so a negative factor reflects z exactly.
Data and units as in ``properties.features.scaling``.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import Implementation, Topic, assert_close, invariant
from properties.features.scaling import (ROUNDING, ScalerSpec, magnitudes, near_constant_records, observed_columns,
                                         register_scaler, scaler_data, z_units)
from properties.features.transformer_api import INF_AT_FIT, WRONG_WIDTH, build, fit_transform, register_api
from properties.oracles.features import quantile

TOPIC = Topic(
    name="robust_scaler", title="Robust scaling (RobustScaler)", contract=__doc__,
    reference="reference.features.scalers:RobustScaler",
    implementations=[Implementation("sklearn.preprocessing:RobustScaler", requires=("sklearn",), precision="float64",
                                    expected=near_constant_records(
                                        "robust_scaler", lambda X, p: _median_iqr(X, p)[1],
                                        "median_zero_iqr_one"))],
)
SOURCE = "scikit-learn User Guide §7.3.1.3 'Scaling data with outliers'; Hyndman & Fan (1996), definition 7"
RANGES = ((25.0, 75.0), (10.0, 90.0))


def _q(params):
    lo, hi = params.get("quantile_range", (25.0, 75.0))
    return lo / 100, hi / 100


def _median_iqr(X, params):
    lo, hi = _q(params)
    cols = observed_columns(X)
    return (np.array([quantile(x, 0.5) for x in cols]),
            np.array([quantile(x, hi) - quantile(x, lo) for x in cols]))


def centre_scale(X, params):
    med, iqr = _median_iqr(X, params)
    return med, np.where(iqr > 0, iqr, 1.0)


def attributes(X, params):
    med, iqr = _median_iqr(X, params)
    m = magnitudes(X)
    return {"center_": (med, m, 1), "scale_": (np.where(iqr > 0, iqr, 1.0), m, 1)}


def fallback(X, params):
    """Non-constant columns with a zero interquartile range: scaled by 1, so z = x − median is not scale-free."""
    return (_median_iqr(X, params)[1] == 0) & (np.nanmax(X, axis=0) > np.nanmin(X, axis=0))


SPEC = ScalerSpec(centre_scale=centre_scale, attributes=attributes, reflect=lambda z, p: -z,
                  constant_value=lambda c, p: np.zeros_like(c), scale_attribute="scale_", centres=True, fallback=fallback,
                  params=st.sampled_from(RANGES).map(lambda r: {"quantile_range": r}), source=SOURCE)
register_scaler(TOPIC, SPEC)
register_api(TOPIC, cases=scaler_data(SPEC), names="one-to-one", inverse=True,
             bad_input={"inf": INF_AT_FIT, "width": WRONG_WIDTH})


@invariant(TOPIC, "robust_scaler.median_zero_iqr_one",
           statement="every column of fit_transform(X) has median 0, and interquartile range 1 where X's was > 0",
           why="Median and quantiles are equivariant under increasing affine maps: (x − med)/IQR has median 0 and "
               "IQR 1.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(SPEC), max_examples=6)
def median_zero_iqr_one(impl, data):
    X, params = data["X"], data["params"]
    Z = fit_transform(build(impl, data), data)
    c, s = centre_scale(X, params)
    u = z_units(X, c, s)
    med, iqr = _median_iqr(Z, params)
    assert_close(med / u, np.zeros_like(u), what="column medians of z (in units u_j)")
    spread = _median_iqr(X, params)[1] > 0
    assert_close(iqr[spread] / u[spread], 1 / u[spread], what="interquartile ranges of z (in units u_j)")
