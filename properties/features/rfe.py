"""RFE: recursive feature elimination — refit, drop the least important, repeat.

Contract (scikit-learn's ``sklearn.feature_selection.RFE``)::

    est = Cls(estimator=e, n_features_to_select=k, step=s)   # 1 ≤ k ≤ d, s ≥ 1
    est.fit(X, y) -> est                # X: (n, d ≥ 2); each round refits a clone of e on the remaining columns and drops the
                                        # min(s, remaining − k) with the smallest importance (|coef_|, or
                                        # feature_importances_), until k remain
    est.ranking_                        # (d,): 1 for the k kept, then 2, 3, … in reverse order of elimination
    est.support_ = (ranking_ == 1);  est.n_features_ = k
    est.transform(X) -> X[:, support_]; selector API (get_support, inverse_transform, names)
    bad input: a transform-time width other than fit's (X), k > d (n_features_to_select) → ValueError naming it

The estimator is this suite's probe, :class:`LeastSquaresImportance` (the least-squares coefficients of the
centred data, importance |β_j|), so that each round's importances are known exactly: the check replays the
rounds the implementation's ranking_ describes and verifies that every eliminated feature had the smallest
importance at its round (ties within 1e-9 relative may go either way).
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import BaseEstimator

from properties.engine import Expected, Implementation, Tolerance, Topic, assert_true, expect_array, invariant
from properties.features.transformer_api import WRONG_WIDTH, BadInput, build, fitted, iris_cases, register_api, register_crosscheck


class LeastSquaresImportance(BaseEstimator):
    """The probe estimator: β = argmin ‖(y − ȳ) − (X − X̄)β‖ (numpy lstsq), exposed as ``coef_``."""

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        self.coef_ = np.linalg.lstsq(X - X.mean(axis=0), y - y.mean(), rcond=None)[0]
        self.n_features_in_ = X.shape[1]
        return self


def importances(X, y, columns):
    return np.abs(LeastSquaresImportance().fit(X[:, columns], y).coef_)


TOO_MANY = ("scikit-learn deliberately accepts n_features_to_select > n_features: it warns ('Found "
            "n_features_to_select=… > n_features=…. There will be no feature selection and all features will be kept.') "
            "and keeps every feature")
TOPIC = Topic(
    name="rfe", title="Recursive feature elimination (RFE)", contract=__doc__,
    reference="reference.features.selection:RFE",
    implementations=[Implementation(
        "sklearn.feature_selection:RFE", requires=("sklearn",), precision="float64",
        expected=(Expected("rfe.rejects_bad_input", TOO_MANY, where="case = n_features_to_select larger than the number "
                           "of features", when=lambda d: d["case"] == "too_many", match="accepted"),))],
)
SOURCE = "Guyon, Weston, Barnhill & Vapnik, 'Gene selection for cancer classification using SVMs' (2002), §2.3; scikit-learn User Guide §1.13.3"
TIES = Tolerance(rtol=1e-9, reason="importances from lstsq are exact to ~cond·ε; two within 1e-9 relative count as tied")


@st.composite
def cases(draw):
    d = draw(st.integers(3, 5), label="d")
    n = draw(st.integers(d + 2, d + 8), label="n")
    rng = np.random.default_rng(draw(st.integers(0, 2**16), label="seed"))
    mixing = np.eye(d) + draw(st.sampled_from((0.9, 0.5, 0.0)), label="correlation") * rng.standard_normal((d, d))
    X = rng.standard_normal((n, d)) @ mixing * draw(st.sampled_from((1.0, 1e-5, 1e3)), label="scale")
    beta = draw(hnp.arrays(np.float64, d, elements=st.sampled_from((0.0, 0.5, -1.0, 2.0, 3.0))), label="β")
    y = X @ beta / max(np.abs(X).max(), 1e-300) + rng.standard_normal(n)
    assume(np.linalg.cond(X - X.mean(axis=0)) < 1e6)
    k = draw(st.integers(1, d - 1), label="k")
    return {"X": X, "y": y, "params": {"estimator": LeastSquaresImportance(), "n_features_to_select": k,
                                       "step": draw(st.sampled_from((2, 1)), label="step")}}


def _too_many(impl, data):
    est = build(impl, {**data, "params": {**data["params"], "n_features_to_select": data["X"].shape[1] + 1}})
    return lambda: est.fit(data["X"], data["y"])


register_api(TOPIC, cases=cases(), selector=True, names="selected",
             bad_input={"width": WRONG_WIDTH,
                        "too_many": BadInput("n_features_to_select larger than the number of features", _too_many,
                                             ("n_features_to_select",))})


def ranking(est, d):
    return expect_array(est.ranking_, name="ranking_", shape=(d,), dtype_kind="iu")


@invariant(TOPIC, "rfe.ranking_permutation",
           statement="ranking_ has exactly k ones, ranks 2, 3, …, R each shared by ≤ step features (by one when step = 1); "
                     "support_ = (ranking_ == 1), n_features_ = k",
           why="Each round eliminates a group of at most step features and gives it the next rank; the k survivors rank 1.",
           source=SOURCE, kind="exact", strategy=cases(), max_examples=8)
def ranking_permutation(impl, data):
    X, k, step = data["X"], data["params"]["n_features_to_select"], data["params"]["step"]
    d = X.shape[1]
    est = fitted(impl, data)
    r = ranking(est, d)
    assert_true((r == 1).sum() == k, f"ranking_ {r.tolist()} has {(r == 1).sum()} ones, n_features_to_select = {k}")
    ranks, counts = np.unique(r[r > 1], return_counts=True)
    rounds = int(np.ceil((d - k) / step))
    assert_true(list(ranks) == list(range(2, 2 + rounds)) and (counts <= step).all() and counts.sum() == d - k,
                f"ranking_ {r.tolist()}: the eliminated ranks must be 2 … {1 + rounds}, each shared by ≤ {step} features")
    support = expect_array(est.support_, name="support_", shape=(d,), dtype_kind="b")
    assert_true(np.array_equal(support, r == 1), f"support_ {support.tolist()} ≠ (ranking_ == 1)")
    assert_true(int(est.n_features_) == k, f"n_features_ = {est.n_features_}, expected {k}")


@invariant(TOPIC, "rfe.eliminates_least_important",
           statement="at each round, the features eliminated have the smallest importance |β_j| among the remaining, "
                     "refitted on the remaining columns",
           why="Recursive elimination refits on the surviving features and removes the weakest by the model's own "
               "importances (Guyon et al. 2002); importances change as features leave.",
           source=SOURCE, kind="tolerance", tolerance=TIES, strategy=cases(), max_examples=10)
def eliminates_least_important(impl, data):
    X, y, k, step = data["X"], data["y"], data["params"]["n_features_to_select"], data["params"]["step"]
    d = X.shape[1]
    r = ranking(fitted(impl, data), d)
    remaining = list(range(d))
    for rank in range(int(r.max()), 1, -1):
        gone = [j for j in remaining if r[j] == rank]
        assert_true(len(gone) == min(step, len(remaining) - k),
                    f"round with rank {rank} eliminated {gone}; expected min(step, remaining − k) = "
                    f"{min(step, len(remaining) - k)} features")
        imp = dict(zip(remaining, importances(X, y, remaining)))
        kept = [j for j in remaining if j not in gone]
        worst_gone, best_kept = max(imp[j] for j in gone), min(imp[j] for j in kept)
        slack = TIES.rtol * max(worst_gone, best_kept)
        assert_true(worst_gone <= best_kept + slack,
                    f"rank {rank}: eliminated {gone} with importances {[imp[j] for j in gone]} while keeping {kept} "
                    f"with importances {[imp[j] for j in kept]} (remaining {remaining})")
        remaining = kept


def same_ranking(a, b, data):
    d = data["X"].shape[1]
    ra, rb = ranking(fitted(a, data), d), ranking(fitted(b, data), d)
    assert_true(np.array_equal(ra, rb), f"ranking_ differs: reference {ra.tolist()}, library {rb.tolist()}")


def _rfe_params(X):
    return st.builds(lambda k, step: {"estimator": LeastSquaresImportance(), "n_features_to_select": k, "step": step},
                     st.integers(1, X.shape[1]), st.sampled_from((1, 2)))


register_crosscheck(TOPIC, "sklearn.feature_selection:RFE", compare=same_ranking,
                    strategy=st.one_of(iris_cases(_rfe_params, supervised=True).filter(lambda d: d["X"].shape[1] >= 2), cases()),
                    statement="reference and scikit-learn rank the features identically on iris and on generated data")
