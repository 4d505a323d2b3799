"""Feature selection: transformers that keep a subset of the input columns.

    VarianceThreshold   keep j ⟺ Var(x_j) > threshold   (ddof 0, NaN ignored)
    SelectKBest         keep the k features with the highest score_func scores (NaN scores rank lowest)
    RFE                 refit the estimator on the remaining features and drop the `step` least important
                        (smallest |coef_|, or feature_importances_), until n_features_to_select remain;
                        ranking_ = 1 for the kept, then 2, 3, … in reverse order of elimination
    SelectFromModel     keep j ⟺ importance_j ≥ threshold (a number, "mean" or "median" of the importances)

Every selector has ``get_support(indices=False)``, ``transform`` (the kept columns), ``inverse_transform``
(the kept columns back in place, zeros elsewhere) and ``get_feature_names_out`` (the kept input names).
The API follows scikit-learn's ``sklearn.feature_selection``.
"""
from __future__ import annotations

import copy
import numbers

import numpy as np

from reference.features.base import Transformer, check_array, check_labels


class Selector(Transformer):
    def get_support(self, indices: bool = False) -> np.ndarray:
        self._check_fitted()
        return np.flatnonzero(self.support_mask_) if indices else self.support_mask_.copy()

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X, allow_nan=True)
        self._check_width(X)
        return X[:, self.support_mask_]

    def inverse_transform(self, Z) -> np.ndarray:
        self._check_fitted()
        Z = check_array(Z, "Z", allow_nan=True)
        if Z.shape[1] != self.support_mask_.sum():
            raise ValueError(f"Z must have {int(self.support_mask_.sum())} columns (the kept features), got {Z.shape[1]}")
        out = np.zeros((Z.shape[0], self.n_features_in_))
        out[:, self.support_mask_] = Z
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return super().get_feature_names_out(input_features)[self.support_mask_]


class VarianceThreshold(Selector):
    def __init__(self, threshold: float = 0.0):
        self.threshold = threshold

    def fit(self, X, y=None) -> "VarianceThreshold":
        if not (isinstance(self.threshold, numbers.Real) and self.threshold >= 0):
            raise ValueError(f"threshold must be a non-negative number, got {self.threshold!r}")
        X = check_array(X, allow_nan=True)
        var = np.empty(X.shape[1])
        for j in range(X.shape[1]):
            x = X[~np.isnan(X[:, j]), j]
            # Var(x) = (1/n) Σ (x − x̄)²,  exactly 0 for a constant column
            var[j] = np.nan if x.size == 0 else 0.0 if x.max() == x.min() else ((x - x.mean()) ** 2).mean()
        self.variances_ = var
        self.support_mask_ = np.nan_to_num(var, nan=-np.inf) > self.threshold
        if not self.support_mask_.any():
            raise ValueError(f"no feature of X has a variance above threshold={self.threshold!r}")
        self.n_features_in_ = X.shape[1]
        return self


class SelectKBest(Selector):
    def __init__(self, score_func=None, k=10):
        self.score_func, self.k = score_func, k

    def fit(self, X, y) -> "SelectKBest":
        X = check_array(X)
        y = check_labels(y, X.shape[0])
        d = X.shape[1]
        if not callable(self.score_func):
            raise ValueError(f"score_func must be callable, got {self.score_func!r}")
        if not (self.k == "all" or (isinstance(self.k, numbers.Integral) and not isinstance(self.k, bool)
                                    and 0 <= self.k <= d)):
            raise ValueError(f"k must be 'all' or an integer in [0, n_features = {d}], got {self.k!r}")
        out = self.score_func(X, y)
        scores, self.pvalues_ = (out if isinstance(out, (tuple, list)) else (out, None))
        self.scores_ = np.asarray(scores, dtype=np.float64)
        if self.pvalues_ is not None:
            self.pvalues_ = np.asarray(self.pvalues_, dtype=np.float64)
        k = d if self.k == "all" else self.k
        # the k highest scores, NaN ranked lowest; ties keep the lower column index
        order = np.argsort(-np.nan_to_num(self.scores_, nan=-np.inf), kind="stable")
        self.support_mask_ = np.zeros(d, dtype=bool)
        self.support_mask_[order[:k]] = True
        self.n_features_in_ = d
        return self


def _importances(estimator) -> np.ndarray:
    if hasattr(estimator, "coef_"):
        coef = np.asarray(estimator.coef_, dtype=np.float64)
        # |coef_|, and for one row per class the L1 norm over the classes
        return np.abs(coef) if coef.ndim == 1 else np.abs(coef).sum(axis=0)
    if hasattr(estimator, "feature_importances_"):
        return np.asarray(estimator.feature_importances_, dtype=np.float64)
    raise ValueError("estimator must expose coef_ or feature_importances_ after fit")


def _clone(estimator):
    return type(estimator)(**estimator.get_params()) if hasattr(estimator, "get_params") else copy.deepcopy(estimator)


class RFE(Selector):
    def __init__(self, estimator=None, n_features_to_select=None, step=1):
        self.estimator, self.n_features_to_select, self.step = estimator, n_features_to_select, step

    def fit(self, X, y) -> "RFE":
        X = check_array(X, allow_nan=True)
        y = check_labels(y, X.shape[0])
        d = X.shape[1]
        k = d // 2 if self.n_features_to_select is None else self.n_features_to_select
        if not (isinstance(k, numbers.Integral) and not isinstance(k, bool) and 1 <= k <= d):
            raise ValueError(f"n_features_to_select must be an integer in [1, n_features = {d}], got {k!r}")
        if not (isinstance(self.step, numbers.Integral) and not isinstance(self.step, bool) and self.step >= 1):
            raise ValueError(f"step must be a positive integer, got {self.step!r}")
        remaining = list(range(d))
        self.ranking_ = np.ones(d, dtype=np.int64)
        eliminated = []
        while len(remaining) > k:
            est = _clone(self.estimator).fit(X[:, remaining], y)
            importance = _importances(est)
            # drop the min(step, |remaining| − k) least important (stable: the first of equals goes first)
            drop = [remaining[i] for i in np.argsort(importance, kind="stable")[: min(self.step, len(remaining) - k)]]
            eliminated.append(drop)
            remaining = [j for j in remaining if j not in drop]
        # ranking: 1 for the kept, then one more per round back towards the first eliminated
        for r, drop in enumerate(reversed(eliminated), start=2):
            self.ranking_[drop] = r
        self.support_mask_ = self.support_ = self.ranking_ == 1
        self.n_features_ = k
        self.estimator_ = _clone(self.estimator).fit(X[:, remaining], y)
        self.n_features_in_ = d
        return self


class SelectFromModel(Selector):
    def __init__(self, estimator=None, threshold=None):
        self.estimator, self.threshold = estimator, threshold

    def fit(self, X, y=None) -> "SelectFromModel":
        X = check_array(X, allow_nan=True)
        self.estimator_ = _clone(self.estimator).fit(X, y)
        importance = _importances(self.estimator_)
        if importance.shape != (X.shape[1],):
            raise ValueError(f"the estimator's importances must have one entry per feature ({X.shape[1]}), got "
                             f"{importance.shape}")
        t = "mean" if self.threshold is None else self.threshold
        if t == "mean":
            t = importance.mean()
        elif t == "median":
            t = float(np.median(importance))
        elif not isinstance(t, numbers.Real):
            raise ValueError(f"threshold must be a number, 'mean' or 'median', got {self.threshold!r}")
        self.threshold_ = float(t)
        # keep j ⟺ importance_j ≥ threshold
        self.support_mask_ = importance >= self.threshold_
        self.n_features_in_ = X.shape[1]
        return self
