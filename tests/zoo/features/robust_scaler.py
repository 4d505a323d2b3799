"""RobustScaler mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.scalers import RobustScaler
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("robust_scaler", RobustScaler, in_place="fit")


@mutant("robust_scaler", bug="division by zero when the interquartile range is 0: scale_ = IQR with no guard",
        catches=("robust_scaler.constant_column_scale_one",))
class DividesByZeroIQR(RobustScaler):
    def fit(self, X, y=None):
        super().fit(X)
        lo, hi = (q / 100 for q in self.quantile_range)
        X = np.asarray(X, dtype=np.float64)
        cols = [X[~np.isnan(X[:, j]), j] for j in range(X.shape[1])]
        self.scale_ = self._scale = np.array([self._quantile(x, hi) - self._quantile(x, lo) for x in cols])
        return self


@mutant("robust_scaler", bug="centres at the mean instead of the median",
        catches=("robust_scaler.statistics", "robust_scaler.median_zero_iqr_one"))
class CentresAtMean(RobustScaler):
    def fit(self, X, y=None):
        super().fit(X)
        self.center_ = self._center = np.nanmean(np.asarray(X, dtype=np.float64), axis=0)
        return self


@mutant("robust_scaler", bug="quantiles by the lower nearest rank x_(⌊(n−1)q⌋) instead of linear interpolation",
        catches=("robust_scaler.statistics", "robust_scaler.affine_equivariant"))
class NearestRankQuantiles(RobustScaler):
    @staticmethod
    def _quantile(x, q):
        return float(np.sort(x)[int(np.floor((x.size - 1) * q))])


@mutant("robust_scaler", bug="inverse_transform forgets to add center_ back",
        catches=("robust_scaler.inverse_round_trip",))
class InverseForgetsCenter(RobustScaler):
    def inverse_transform(self, Z):
        return np.asarray(Z, dtype=np.float64) * self.scale_


@mutant("robust_scaler", bug="computes in float32 (a dtype slip): at an offset of 1e8 the data's spread is rounded away",
        catches=("robust_scaler.shift_invariant",))
class Float32Arithmetic(RobustScaler):
    def fit(self, X, y=None):
        return super().fit(np.asarray(X, dtype=np.float32))

    def transform(self, X):
        return super().transform(np.asarray(X, dtype=np.float32))


@mutant("robust_scaler", bug="'+ 1 in the denominator to avoid division by zero': z = (x − median)/(IQR + 1)",
        catches=("robust_scaler.idempotent", "robust_scaler.median_zero_iqr_one"))
class DenominatorPlusOne(RobustScaler):
    def fit(self, X, y=None):
        super().fit(X)
        self.scale_ = self._scale = np.where(self.scale_ == 1.0, 0.0, self.scale_) + 1.0
        return self
