"""Univariate imputation: each missing value (NaN) replaced by a statistic of its column's observed values.

    mean            x̄ = (1/n_obs) Σ observed x
    median          the middle observed value (the mean of the two middle ones for an even count)
    most_frequent   the most frequent observed value, the smallest of them on a tie
    constant        fill_value (0 for numbers when None)

A column with no observed value has no statistic (NaN): it is dropped from the output, under every
strategy.  The API follows scikit-learn's ``SimpleImputer`` (missing_values=NaN,
keep_empty_features=False).
"""
from __future__ import annotations

import numpy as np

from reference.features.base import Transformer, check_array

STRATEGIES = ("mean", "median", "most_frequent", "constant")


def _statistic(x: np.ndarray, strategy: str, fill_value: float) -> float:
    if x.size == 0:
        return np.nan
    if strategy == "constant":
        return fill_value
    if strategy == "mean":
        if x.max() == x.min():
            return float(x[0])
        # x̄ = (1/n) Σ x
        return float(x.sum() / x.size)
    if strategy == "median":
        s = np.sort(x)
        h = (s.size - 1) / 2
        # the middle order statistic, or the mean of the two middle ones
        return float((s[int(np.floor(h))] + s[int(np.ceil(h))]) / 2)
    values, counts = np.unique(x, return_counts=True)
    # the most frequent value; np.unique sorts, so the first of the tied maxima is the smallest
    return float(values[np.argmax(counts)])


class SimpleImputer(Transformer):
    def __init__(self, strategy: str = "mean", fill_value=None):
        self.strategy, self.fill_value = strategy, fill_value

    def fit(self, X, y=None) -> "SimpleImputer":
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        fill = 0.0 if self.fill_value is None else float(self.fill_value)
        X = check_array(X, allow_nan=True)
        self.statistics_ = np.array([_statistic(X[~np.isnan(X[:, j]), j], self.strategy, fill)
                                     for j in range(X.shape[1])])
        self.n_features_in_ = X.shape[1]
        return self

    def _kept(self) -> np.ndarray:
        return ~np.isnan(self.statistics_)

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X, allow_nan=True)
        self._check_width(X)
        keep = self._kept()
        X = X[:, keep]
        # x ← statistic where x is missing
        return np.where(np.isnan(X), self.statistics_[keep], X)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = super().get_feature_names_out(input_features)
        return names[self._kept()]
