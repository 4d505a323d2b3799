"""MinMaxScaler mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.scalers import MinMaxScaler
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("minmax_scaler", MinMaxScaler)


@mutant("minmax_scaler", bug="division by zero on constant columns: scale_ = (b − a)/(max − min) with no guard",
        catches=("minmax_scaler.constant_column_scale_one",))
class DividesByZeroRange(MinMaxScaler):
    def fit(self, X, y=None):
        super().fit(X)
        with np.errstate(divide="ignore"):
            self.scale_ = (self._a + np.ptp(self.feature_range) - self._a) / self.data_range_
        return self


@mutant("minmax_scaler", bug="'+ 1 in the denominator to avoid division by zero': z = a + (x − min)(b − a)/(max − min + 1)",
        catches=("minmax_scaler.idempotent", "minmax_scaler.in_range_hits_ends", "minmax_scaler.affine_equivariant"))
class DenominatorPlusOne(MinMaxScaler):
    def fit(self, X, y=None):
        super().fit(X)
        self.scale_ = (self.feature_range[1] - self.feature_range[0]) / (self.data_range_ + 1.0)
        self.min_ = self._a - self.data_min_ * self.scale_
        return self


@mutant("minmax_scaler", bug="ignores feature_range: always scales onto [0, 1]",
        catches=("minmax_scaler.in_range_hits_ends", "minmax_scaler.statistics"))
class IgnoresFeatureRange(MinMaxScaler):
    def fit(self, X, y=None):
        self.feature_range = (0.0, 1.0)
        return super().fit(X)


@mutant("minmax_scaler", bug="inverse_transform forgets to subtract a: x = min + z/scale_",
        catches=("minmax_scaler.inverse_round_trip",))
class InverseForgetsRangeStart(MinMaxScaler):
    def inverse_transform(self, Z):
        return self.data_min_ + np.asarray(Z, dtype=np.float64) / self.scale_


@mutant("minmax_scaler", bug="computes in float32 (a dtype slip): at an offset of 1e8 the data's spread is rounded away",
        catches=("minmax_scaler.shift_invariant",))
class Float32Arithmetic(MinMaxScaler):
    def fit(self, X, y=None):
        return super().fit(np.asarray(X, dtype=np.float32))

    def transform(self, X):
        return super().transform(np.asarray(X, dtype=np.float32))
