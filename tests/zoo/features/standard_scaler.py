"""StandardScaler mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.scalers import StandardScaler
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("standard_scaler", StandardScaler)


def _observed_stats(X, ddof=0):
    X = np.asarray(X, dtype=np.float64)
    mean = np.nanmean(X, axis=0)
    n = (~np.isnan(X)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return X, mean, np.nansum((X - mean) ** 2, axis=0) / (n - ddof)


@mutant("standard_scaler", bug="variance by the textbook one-pass formula E[x²] − E[x]² (catastrophic cancellation: "
                               "a constant column at 0.1 gets a variance of −3e-18, a huge offset cancels the spread)",
        catches=("standard_scaler.shift_invariant",))
class CancellingVariance(StandardScaler):
    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.n_features_in_ = X.shape[1]
        self.mean_ = np.nanmean(X, axis=0)
        self.var_ = np.nanmean(X ** 2, axis=0) - self.mean_ ** 2
        with np.errstate(invalid="ignore"):
            self.scale_ = np.sqrt(self.var_)
        self.scale_[self.scale_ == 0] = 1.0
        self._center, self._scale = self.mean_, self.scale_
        return self


@mutant("standard_scaler", bug="divides by σ without the zero guard: a constant column becomes 0/0 = NaN",
        catches=("standard_scaler.constant_column_scale_one",))
class DividesByZero(StandardScaler):
    def fit(self, X, y=None):
        super().fit(X)
        self.scale_ = np.sqrt(self.var_)
        self._scale = self.scale_
        return self


@mutant("standard_scaler", bug="ddof 1 where 0 is required: σ² = Σ(x − x̄)²/(n − 1)",
        catches=("standard_scaler.statistics", "standard_scaler.standardised"))
class UnbiasedVariance(StandardScaler):
    def fit(self, X, y=None):
        super().fit(X)
        _, _, var = _observed_stats(X, ddof=1)
        self.var_ = np.where(self.var_ > 0, var, 0.0)
        self.scale_ = np.where(self.var_ > 0, np.sqrt(self.var_), 1.0)
        self._scale = self.scale_
        return self


@mutant("standard_scaler", bug="inverse_transform multiplies by scale_ but forgets to add mean_ back",
        catches=("standard_scaler.inverse_round_trip",))
class InverseForgetsMean(StandardScaler):
    def inverse_transform(self, Z):
        return np.asarray(Z, dtype=np.float64) * self.scale_


@mutant("standard_scaler", bug="scales by the root mean square of the raw values √E[x²] instead of the standard deviation",
        catches=("standard_scaler.affine_equivariant", "standard_scaler.shift_invariant", "standard_scaler.statistics",
                 "standard_scaler.idempotent"))
class ScalesByRawRMS(StandardScaler):
    def fit(self, X, y=None):
        super().fit(X)
        rms = np.sqrt(np.nanmean(np.asarray(X, dtype=np.float64) ** 2, axis=0))
        self.scale_ = np.where(rms > 0, rms, 1.0)
        self._scale = self.scale_
        return self
