"""The four scalers: per-column affine maps z = (x − c) / s, with c and s learnt from the column.

    StandardScaler   c = x̄ = (1/n) Σ xᵢ,   s = σ = √((1/n) Σ (xᵢ − x̄)²)          (ddof 0)
    MinMaxScaler     z = a + (x − min)(b − a) / (max − min)  for feature_range (a, b)
    MaxAbsScaler     c = 0,   s = max |xᵢ|
    RobustScaler     c = median,   s = Q₇₅ − Q₂₅  (quantiles by linear interpolation)

A column that gives no scale (σ = 0, max − min = 0, max |x| = 0, Q₇₅ − Q₂₅ = 0) is scaled by 1: no
division by zero.  NaN marks a missing value: fit ignores it (each column's statistics come from its
observed values) and transform keeps it.  The variance is computed in two passes (centre first, then
square), so a huge offset does not cancel the spread away; a column whose observed values are all equal
is recognised exactly (its mean is that value and its variance 0), not by a rounded variance.
The API follows scikit-learn's ``sklearn.preprocessing`` scalers.
"""
from __future__ import annotations

import numpy as np

from reference.features.base import Transformer, check_array


def _observed(column: np.ndarray) -> np.ndarray:
    x = column[~np.isnan(column)]
    if x.size == 0:
        raise ValueError("X has a column with no observed (non-NaN) value: it has no statistics")
    return x


def _constant(x: np.ndarray) -> bool:
    return bool(x.max() == x.min())


class AffineScaler(Transformer):
    """z = (x − center) / scale per column; subclasses learn center and scale."""

    def _fit_columns(self, X: np.ndarray) -> None:  # pragma: no cover — every subclass defines it
        raise NotImplementedError

    def fit(self, X, y=None) -> "AffineScaler":
        X = check_array(X, allow_nan=True)
        self.n_features_in_ = X.shape[1]
        self._fit_columns(X)
        return self

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X, allow_nan=True)
        self._check_width(X)
        # z = (x − c) / s   (NaN stays NaN)
        return (X - self._center) / self._scale

    def inverse_transform(self, Z) -> np.ndarray:
        self._check_fitted()
        Z = check_array(Z, "Z", allow_nan=True)
        self._check_width(Z, "Z")
        # x = z·s + c
        return Z * self._scale + self._center


class StandardScaler(AffineScaler):
    """Standardisation: zero mean and unit (ddof-0) variance per column."""

    def _fit_columns(self, X: np.ndarray) -> None:
        d = X.shape[1]
        self.mean_, self.var_, self.n_samples_seen_ = np.zeros(d), np.zeros(d), np.zeros(d, dtype=np.int64)
        for j in range(d):
            x = _observed(X[:, j])
            self.n_samples_seen_[j] = x.size
            if _constant(x):
                self.mean_[j], self.var_[j] = x[0], 0.0
                continue
            # x̄ = (1/n) Σ xᵢ
            self.mean_[j] = x.sum() / x.size
            # σ² = (1/n) Σ (xᵢ − x̄)²   (two passes: no cancellation at large offsets)
            self.var_[j] = ((x - self.mean_[j]) ** 2).sum() / x.size
        # s = σ, and 1 where σ = 0
        self.scale_ = np.where(self.var_ > 0, np.sqrt(self.var_), 1.0)
        self._center, self._scale = self.mean_, self.scale_


class MinMaxScaler(AffineScaler):
    """Interval scaling onto feature_range = (a, b), a < b."""

    def __init__(self, feature_range=(0.0, 1.0)):
        self.feature_range = feature_range

    def _fit_columns(self, X: np.ndarray) -> None:
        try:
            a, b = (float(v) for v in self.feature_range)
        except (TypeError, ValueError):
            raise ValueError(f"feature_range must be a pair (min, max), got {self.feature_range!r}") from None
        if not a < b:
            raise ValueError(f"feature_range must satisfy min < max, got {self.feature_range!r}")
        cols = [_observed(X[:, j]) for j in range(X.shape[1])]
        self.data_min_ = np.array([x.min() for x in cols])
        self.data_max_ = np.array([x.max() for x in cols])
        self.data_range_ = self.data_max_ - self.data_min_
        # s' = (b − a) / (max − min), with max − min → 1 for a constant column
        self.scale_ = (b - a) / np.where(self.data_range_ > 0, self.data_range_, 1.0)
        # z = a + (x − min)·s'  =  x·s' + (a − min·s')
        self.min_ = a - self.data_min_ * self.scale_
        self._a = a

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X, allow_nan=True)
        self._check_width(X)
        # z = a + (x − min)·(b − a)/(max − min): centring first keeps the offset out of the product
        return self._a + (X - self.data_min_) * self.scale_

    def inverse_transform(self, Z) -> np.ndarray:
        self._check_fitted()
        Z = check_array(Z, "Z", allow_nan=True)
        self._check_width(Z, "Z")
        # x = min + (z − a)/s'
        return self.data_min_ + (Z - self._a) / self.scale_


class MaxAbsScaler(AffineScaler):
    """Scaling by the largest magnitude: output in [−1, 1], zeros stay zero (no centring)."""

    def _fit_columns(self, X: np.ndarray) -> None:
        # s = max |xᵢ|, and 1 for an all-zero column
        self.max_abs_ = np.array([np.abs(_observed(X[:, j])).max() for j in range(X.shape[1])])
        self.scale_ = np.where(self.max_abs_ > 0, self.max_abs_, 1.0)
        self._center, self._scale = np.zeros(X.shape[1]), self.scale_


class RobustScaler(AffineScaler):
    """Centring at the median and scaling by the interquartile range (quantile_range in percent)."""

    def __init__(self, quantile_range=(25.0, 75.0)):
        self.quantile_range = quantile_range

    @staticmethod
    def _quantile(x: np.ndarray, q: float) -> float:
        # Q(q) = x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)),  h = (n − 1) q,  x sorted
        x = np.sort(x)
        h = (x.size - 1) * q
        lo = int(np.floor(h))
        hi = min(lo + 1, x.size - 1)
        return float(x[lo] + (h - lo) * (x[hi] - x[lo]))

    def _fit_columns(self, X: np.ndarray) -> None:
        try:
            q_lo, q_hi = (float(v) for v in self.quantile_range)
        except (TypeError, ValueError):
            raise ValueError(f"quantile_range must be a pair of percentages, got {self.quantile_range!r}") from None
        if not 0 <= q_lo <= q_hi <= 100:
            raise ValueError(f"quantile_range must satisfy 0 <= q_min <= q_max <= 100, got {self.quantile_range!r}")
        cols = [_observed(X[:, j]) for j in range(X.shape[1])]
        # c = median
        self.center_ = np.array([self._quantile(x, 0.5) for x in cols])
        # s = Q(q_max) − Q(q_min), and 1 where it is 0
        iqr = np.array([self._quantile(x, q_hi / 100) - self._quantile(x, q_lo / 100) for x in cols])
        self.scale_ = np.where(iqr > 0, iqr, 1.0)
        self._center, self._scale = self.center_, self.scale_
