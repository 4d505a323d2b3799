"""StandardScaler: standardisation z = (x − x̄) / σ per column, σ the ddof-0 standard deviation.

Contract (scikit-learn's ``sklearn.preprocessing.StandardScaler`` with its defaults)::

    est = Cls()                         # with_mean=True, with_std=True, copy=True
    est.fit(X) -> est                   # X: (n, d) float64; NaN = missing: ignored by fit, kept by transform
    est.mean_, est.var_                 # (d,): column means and ddof-0 variances of the observed values
    est.scale_                          # (d,): √var_, and 1 where var_ = 0 (a constant column: no division by zero)
    est.transform(X) -> (X − mean_) / scale_          est.inverse_transform(Z) -> Z·scale_ + mean_
    est.fit_transform(X);  est.get_feature_names_out() -> [x0, x1, …]
    bad input: an infinite entry, a transform-time width other than fit's → ValueError naming X

Data: every column is exactly constant or has a spread float64 resolves (``properties.features.data``);
tolerances are relative to each column's own unit (``properties.features.scaling``), never floored at 1.
A constant column's z is x − mean_, which is 0 up to the rounding of its mean (a few ε·|x|).  The
shift invariant z(X + 1e8) = z(X) is judged on data whose spread float64 resolves at that offset
(σ ≳ 1e-4 · 1e8): below it no algorithm can be.
"""
from __future__ import annotations

import numpy as np

from properties.engine import Implementation, Topic, assert_close, invariant
from properties.features.scaling import (ROUNDING, ScalerSpec, magnitudes, observed_columns, register_scaler,
                                         scaler_data, z_units)
from properties.features.transformer_api import INF_AT_FIT, WRONG_WIDTH, build, fit_transform, register_api
from properties.oracles.features import mean_var

TOPIC = Topic(
    name="standard_scaler", title="Standardisation (StandardScaler)", contract=__doc__,
    reference="reference.features.scalers:StandardScaler",
    implementations=[Implementation("sklearn.preprocessing:StandardScaler", requires=("sklearn",), precision="float64")],
)
SOURCE = "scikit-learn User Guide §7.3.1 'Standardization'; Chan, Golub & LeVeque (1983) on two-pass variance"


def _stats(X):
    mv = np.array([mean_var(x) for x in observed_columns(X)]).reshape(-1, 2)
    return mv[:, 0], mv[:, 1]


def centre_scale(X, params):
    mean, var = _stats(X)
    return mean, np.where(var > 0, np.sqrt(var), 1.0)


def attributes(X, params):
    mean, var = _stats(X)
    m = magnitudes(X)
    return {"mean_": (mean, m, 1), "var_": (var, m, 2), "scale_": (np.where(var > 0, np.sqrt(var), 1.0), m, 1)}


SPEC = ScalerSpec(centre_scale=centre_scale, attributes=attributes, reflect=lambda z, p: -z,
                  constant_value=lambda c, p: np.zeros_like(c), scale_attribute="scale_", centres=True, source=SOURCE)
register_scaler(TOPIC, SPEC)
register_api(TOPIC, cases=scaler_data(SPEC), names="one-to-one", inverse=True,
             bad_input={"inf": INF_AT_FIT, "width": WRONG_WIDTH})


@invariant(TOPIC, "standard_scaler.standardised",
           statement="every non-constant column of fit_transform(X) has mean 0 and variance 1 (ddof 0)",
           why="z = (x − x̄)/σ with the ddof-0 σ of the same data: Σz = 0 and Σz²/n = 1 by construction.",
           source=SOURCE, kind="tolerance", tolerance=ROUNDING, strategy=scaler_data(SPEC), max_examples=6)
def standardised(impl, data):
    X = data["X"]
    Z = fit_transform(build(impl, data), data)
    c, s = centre_scale(X, data["params"])
    varying = np.ptp(X, axis=0) > 0
    u = z_units(X, c, s)[varying]
    assert_close(Z[:, varying].mean(axis=0) / u, np.zeros(u.size), what="column means of z (in units u_j)")
    assert_close((Z[:, varying].var(axis=0) - 1) / u, np.zeros(u.size), what="column variances of z − 1 (in units u_j)")
