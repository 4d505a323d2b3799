"""SimpleImputer: each missing value (NaN) replaced by a statistic of its column's observed values.

Contract (scikit-learn's ``sklearn.impute.SimpleImputer``, missing_values=NaN, keep_empty_features=False)::

    est = Cls(strategy=s)               # s ∈ {mean, median, most_frequent, constant} (option axis ``strategy``)
    est.fit(X) -> est                   # X: (n, d) float64 with NaN = missing
    est.statistics_                     # (d,): mean, median (mean of the two middle values for an even count),
                                        # most frequent (the smallest on a tie), or fill_value = 0 (constant)
                                        # of the observed values; NaN for a column with none
    est.transform(X)                    # NaN ← statistics_; observed values untouched; a column with no observed
                                        # value at fit is dropped, under every strategy
    est.fit_transform(X);  est.get_feature_names_out(): one name per output column
    bad input: an infinite entry, a transform-time width other than fit's → ValueError naming X

Means and medians are compared in the unit of their column's magnitude, the other statistics exactly.
Data: small-integer grids (ties, zeros) and the
family's adversarial matrices, at least two columns, NaN anywhere (whole columns too).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from properties.engine import Axis, Implementation, Tolerance, Topic, assert_close, assert_true, call, expect_array, invariant, option
from properties.features.data import feature_matrices, with_missing
from properties.strategies import at_scale, integer_grids
from properties.features.transformer_api import (INF_AT_FIT, WRONG_WIDTH, fitted, iris_cases, register_api,
                                                 register_crosscheck, same_transform, transform)
from properties.oracles.features import mean_var, most_frequent, observed, quantile

STRATEGIES = ("mean", "median", "most_frequent", "constant")
_X = np.array([[1.0, np.nan], [np.nan, 2.0], [3.0, 2.0]])
TOPIC = Topic(
    name="simple_imputer", title="Missing values (SimpleImputer)", contract=__doc__,
    reference="reference.features.imputer:SimpleImputer",
    implementations=[Implementation("sklearn.impute:SimpleImputer", requires=("sklearn",), precision="float64")],
    axes=(Axis("strategy", STRATEGIES, "the statistic that fills a missing value",
               probe=lambda impl, v: call(call(impl, strategy=v).fit(_X).transform, _X)),),
)
SOURCE = "scikit-learn User Guide §6.4.2 'Univariate feature imputation'"
STAT = Tolerance(atol=1e-14, reason="a sum of ≤ 12 values and one division: ≤ 12ε of the column's magnitude")
DRAWS = {"strategy": None}


def statistic(column: np.ndarray, strategy: str) -> float:
    x = observed(column)
    if x.size == 0:
        return np.nan
    if strategy == "constant":
        return 0.0
    return {"mean": lambda: mean_var(x)[0], "median": lambda: quantile(x, 0.5),
            "most_frequent": lambda: most_frequent(x)}[strategy]()


@st.composite
def cases(draw):
    n, d = draw(st.integers(2, 8), label="n"), draw(st.integers(2, 4), label="d")
    X = draw(st.one_of(at_scale(integer_grids(n, d)), feature_matrices(min_rows=n, max_rows=n, min_cols=d, max_cols=d)),
             label="X")
    X = draw(with_missing(X, empty_columns=True))
    return {"X": X, "y": None, "params": {"strategy": draw(option("strategy", STRATEGIES))}}


register_api(TOPIC, cases=cases(), draws=DRAWS, bad_input={"inf": INF_AT_FIT, "width": WRONG_WIDTH})


def kept(X, strategy):
    return ~np.isnan(X).all(axis=0)


@invariant(TOPIC, "simple_imputer.fills_every_missing",
           statement="transform(X) has no NaN and equals X at every observed entry; only columns with no observed "
                     "value are dropped",
           why="Imputation replaces the missing entries and nothing else; a column with nothing observed has no "
               "statistic to fill it with.",
           source=SOURCE, kind="exact", strategy=cases(), draws=DRAWS, max_examples=8)
def fills_every_missing(impl, data):
    X, strategy = data["X"], data["params"]["strategy"]
    keep = kept(X, strategy)
    Z = transform(fitted(impl, data), X)
    assert_true(Z.shape == (X.shape[0], int(keep.sum())),
                f"transform(X) has shape {Z.shape}; keeping the columns with an observed value gives {(X.shape[0], int(keep.sum()))}")
    seen = ~np.isnan(X[:, keep])
    assert_true(np.array_equal(Z[seen], X[:, keep][seen]), "an observed value was changed by the imputation")


@invariant(TOPIC, "simple_imputer.fill_is_statistic",
           statement="statistics_ⱼ = the strategy's statistic of column j's observed values; every filled entry = statistics_ⱼ",
           why="The fill value is the column's own mean, median or mode (the smallest on a tie), or the constant — "
               "computed here independently, on the observed values only.",
           source=SOURCE, kind="tolerance", tolerance=STAT, strategy=cases(), draws=DRAWS, max_examples=6)
def fill_is_statistic(impl, data):
    X, strategy = data["X"], data["params"]["strategy"]
    est = fitted(impl, data)
    want = np.array([statistic(X[:, j], strategy) for j in range(X.shape[1])])
    got = expect_array(np.asarray(est.statistics_, dtype=np.float64), name="statistics_", shape=want.shape, allow_nan=True)
    m = np.nanmax(np.abs(X), axis=0, initial=0.0)
    m = np.where(m > 0, m, 1.0)
    assert_close(got / m, want / m, what=f"statistics_ ({strategy}, in units of each column's magnitude)")
    keep = kept(X, strategy)
    Z = transform(est, X)
    holes = np.isnan(X[:, keep])
    fill = np.broadcast_to(want[keep], holes.shape)
    assert_close(Z[holes] / np.broadcast_to(m[keep], holes.shape)[holes], fill[holes] / np.broadcast_to(m[keep], holes.shape)[holes],
                 what="the filled entries vs the column statistic")


def _with_holes(X):
    X = X.copy()
    X[::3, 0] = np.nan
    X[1::4, -1] = np.nan
    return X


register_crosscheck(TOPIC, "sklearn.impute:SimpleImputer", compare=same_transform, tolerance=STAT, draws=DRAWS,
                    strategy=st.one_of(iris_cases(st.builds(lambda s: {"strategy": s}, option("strategy", STRATEGIES)),
                                                  prepare=_with_holes), cases()))
