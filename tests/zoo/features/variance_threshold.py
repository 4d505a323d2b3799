"""VarianceThreshold mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.selection import VarianceThreshold
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("variance_threshold", VarianceThreshold, in_place="fit", selector=True)


@mutant("variance_threshold", bug="keeps variance ≥ threshold: a column whose variance equals the threshold is kept",
        catches=("variance_threshold.keeps_above_threshold",))
class GreaterOrEqual(VarianceThreshold):
    def fit(self, X, y=None):
        super().fit(X)
        self.support_mask_ = np.nan_to_num(self.variances_, nan=-np.inf) >= self.threshold
        return self


@mutant("variance_threshold", bug="ddof 1 where 0 is required: variances divided by n − 1",
        catches=("variance_threshold.keeps_above_threshold",))
class UnbiasedVariance(VarianceThreshold):
    def fit(self, X, y=None):
        super().fit(X)
        X = np.asarray(X, dtype=np.float64)
        n = (~np.isnan(X)).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.variances_ = self.variances_ * n / (n - 1)
        self.support_mask_ = np.nan_to_num(self.variances_, nan=-np.inf) > self.threshold
        return self
