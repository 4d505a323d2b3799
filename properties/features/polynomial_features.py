"""PolynomialFeatures: every monomial of the inputs up to a degree.

Contract (scikit-learn's ``sklearn.preprocessing.PolynomialFeatures``)::

    est = Cls(degree=D, interaction_only=io, include_bias=b)   # D ≥ 1; io, b: option axes
    est.fit(X) -> est                   # learns the width only; X: (n, d) float64, finite
    est.powers_                         # (n_output_features_, d) exponents: each p with Σp ≤ D exactly once
                                        # (Σp ≥ 1 without the bias; every pⱼ ≤ 1 with interaction_only)
    est.n_output_features_              # C(d + D, D) with the bias; Σ_{k ≤ D} C(d, k) with interaction_only
    est.transform(X)[:, k] = ∏ⱼ xⱼ^{powers_[k, j]}
    est.fit_transform(X);  est.get_feature_names_out() -> one name per output column
    bad input: NaN, a transform-time width other than fit's → ValueError naming X

Each output column is compared in its own unit (its largest magnitude).  Values are drawn at scales 1,
1e-5, 1e3 with non-zero magnitudes ≥ 1e-100, so that products of degree ≤ 3 stay normal floats.
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from properties.engine import (Axis, Implementation, Tolerance, Topic, assert_close, assert_true, call, expect_array,
                               invariant, option)
from properties.features.data import feature_matrices
from properties.features.transformer_api import (NAN_AT_FIT, WRONG_WIDTH, fitted, iris_cases, register_api,
                                                 register_crosscheck, same_transform, transform)
from properties.oracles.features import monomial_powers, n_monomials

_X = np.array([[1.0, 2.0], [3.0, -1.0]])


def _probe(name):
    return lambda impl, v: call(call(impl, degree=2, **{name: v}).fit(_X).transform, _X)


TOPIC = Topic(
    name="polynomial_features", title="Polynomial features (PolynomialFeatures)", contract=__doc__,
    reference="reference.features.polynomial:PolynomialFeatures",
    implementations=[Implementation("sklearn.preprocessing:PolynomialFeatures", requires=("sklearn",), precision="float64")],
    axes=(Axis("interaction_only", (False, True), "only products of distinct inputs (no powers above 1)",
               probe=_probe("interaction_only")),
          Axis("include_bias", (True, False), "the constant column 1 (all powers 0)", probe=_probe("include_bias"))),
)
SOURCE = "scikit-learn User Guide §7.3.7 'Generating polynomial features'; Feller, vol. 1, §II.5 (C(d + D, D) monomials)"
PRODUCT = Tolerance(atol=1e-14, reason="a product of ≤ 3 factors is exact to 3ε relative (factor order may differ); "
                    "compared in each column's own unit")
DRAWS = {"interaction_only": None, "include_bias": None}


@st.composite
def cases(draw):
    X = draw(feature_matrices(max_rows=6, max_cols=3), label="X")
    nz = np.abs(X[X != 0])
    assume(nz.size == 0 or nz.min() >= 1e-100)
    return {"X": X, "y": None, "params": {"degree": draw(st.integers(1, 3), label="degree"),
                                          "interaction_only": draw(option("interaction_only", (False, True))),
                                          "include_bias": draw(option("include_bias", (True, False)))}}


register_api(TOPIC, cases=cases(), draws=DRAWS, stateless=True, bad_input={"nan": NAN_AT_FIT, "width": WRONG_WIDTH},
             max_examples=8)


def powers(est, d):
    P = expect_array(est.powers_, name="powers_", dtype_kind="iu")
    assert_true(P.ndim == 2 and P.shape[1] == d, f"powers_ must have one column per input feature ({d}), got {P.shape}")
    return P


@invariant(TOPIC, "polynomial_features.column_count",
           statement="n_output_features_ = width of transform(X) = C(d + D, D) (− 1 without the bias; Σ_{k≤D} C(d, k) "
                     "with interaction_only)",
           why="The monomials of degree ≤ D in d variables are counted by stars and bars; with no powers above 1 they "
               "are the subsets of size ≤ D.",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=6)
def column_count(impl, data):
    X, p = data["X"], data["params"]
    est = fitted(impl, data)
    want = n_monomials(X.shape[1], p["degree"], p["interaction_only"], p["include_bias"])
    assert_true(int(est.n_output_features_) == want, f"n_output_features_ = {est.n_output_features_}, expected {want} for d = "
                f"{X.shape[1]}, {p}")
    assert_true(transform(est, X).shape[1] == want, f"transform(X) has {transform(est, X).shape[1]} columns, expected {want}")


@invariant(TOPIC, "polynomial_features.monomials",
           statement="powers_ = every exponent vector p with Σp ≤ D exactly once; transform(X)[:, k] = ∏ⱼ xⱼ^{powers_[k, j]}",
           why="Each output column is the monomial its row of powers_ states, and every monomial appears once.",
           source=SOURCE, kind="tolerance", tolerance=PRODUCT, strategy=cases(), draws=DRAWS, max_examples=6)
def monomials(impl, data):
    X, p = data["X"], data["params"]
    est = fitted(impl, data)
    P = powers(est, X.shape[1])
    got = [tuple(int(v) for v in row) for row in P]
    want = monomial_powers(X.shape[1], p["degree"], p["interaction_only"], p["include_bias"])
    assert_true(len(got) == len(set(got)) and set(got) == want,
                f"powers_ {sorted(got)} are not the exponent vectors {sorted(want)} (each once)")
    Z = transform(est, X)
    assert_true(Z.shape[1] == P.shape[0], f"transform(X) has {Z.shape[1]} columns for {P.shape[0]} rows of powers_")
    expected = np.prod(X[:, None, :] ** P[None, :, :], axis=2)
    u = np.abs(expected).max(axis=0)
    u = np.where(u > 0, u, 1.0)
    assert_close(Z / u, expected / u, what="transform(X)[:, k] vs ∏ⱼ xⱼ^p_kj (each column in its own unit)")


@invariant(TOPIC, "polynomial_features.interaction_only_drops_powers",
           statement="transform with interaction_only = the full transform's columns whose powers are all ≤ 1, in order",
           why="interaction_only removes exactly the monomials with a repeated factor and keeps the others as they were.",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=8,
           requires={"interaction_only": (False, True)})
def interaction_only_drops_powers(impl, data):
    X, p = data["X"], data["params"]
    full = fitted(impl, {**data, "params": {**p, "interaction_only": False}})
    inter = fitted(impl, {**data, "params": {**p, "interaction_only": True}})
    keep = (powers(full, X.shape[1]) <= 1).all(axis=1)
    assert_true(np.array_equal(powers(inter, X.shape[1]), powers(full, X.shape[1])[keep]),
                "interaction_only's powers_ are not the full powers_ with the rows above 1 removed (in order)")
    assert_true(np.array_equal(transform(inter, X), transform(full, X)[:, keep]),
                "interaction_only's output is not the full output without the columns of powers above 1")


def _poly_params(X):
    return st.fixed_dictionaries({"degree": st.integers(1, 3), "interaction_only": option("interaction_only", (False, True)),
                                  "include_bias": option("include_bias", (True, False))})


register_crosscheck(TOPIC, "sklearn.preprocessing:PolynomialFeatures", compare=same_transform, tolerance=PRODUCT, draws=DRAWS,
                    strategy=st.one_of(iris_cases(_poly_params), cases()),
                    statement="reference and scikit-learn give the same columns, in the same order, on iris and on "
                              "generated data")
