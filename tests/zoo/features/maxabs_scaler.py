"""MaxAbsScaler mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.scalers import MaxAbsScaler
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("maxabs_scaler", MaxAbsScaler, fit_transform="float32")


@mutant("maxabs_scaler", bug="division by zero on an all-zero column: scale_ = max|x| with no guard",
        catches=("maxabs_scaler.constant_column_scale_one",))
class DividesByZeroMax(MaxAbsScaler):
    def fit(self, X, y=None):
        super().fit(X)
        self.scale_ = self._scale = self.max_abs_.copy()
        return self


@mutant("maxabs_scaler", bug="scales by max(x) instead of max|x|: a column whose largest magnitude is negative leaves [−1, 1]",
        catches=("maxabs_scaler.within_unit_interval", "maxabs_scaler.statistics", "maxabs_scaler.affine_equivariant"))
class MaxNotAbs(MaxAbsScaler):
    def fit(self, X, y=None):
        super().fit(X)
        top = np.nanmax(np.asarray(X, dtype=np.float64), axis=0)
        self.max_abs_ = top
        self.scale_ = self._scale = np.where(top != 0, top, 1.0)
        return self


@mutant("maxabs_scaler", bug="'+ 1 in the denominator to avoid division by zero': z = x / (max|x| + 1)",
        catches=("maxabs_scaler.idempotent", "maxabs_scaler.within_unit_interval"))
class DenominatorPlusOne(MaxAbsScaler):
    def fit(self, X, y=None):
        super().fit(X)
        self.scale_ = self._scale = self.max_abs_ + 1.0
        return self


@mutant("maxabs_scaler", bug="inverse_transform divides by scale_ again instead of multiplying",
        catches=("maxabs_scaler.inverse_round_trip",))
class InverseDividesAgain(MaxAbsScaler):
    def inverse_transform(self, Z):
        return np.asarray(Z, dtype=np.float64) / self.scale_
