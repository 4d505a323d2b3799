"""SelectFromModel mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.selection import SelectFromModel
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("select_from_model", SelectFromModel, fit_transform="defaults", in_place="fit", selector=True)


@mutant("select_from_model", bug="strict threshold: importance > threshold, so a feature at the threshold is dropped",
        catches=("select_from_model.keeps_at_least_threshold",))
class StrictThreshold(SelectFromModel):
    def fit(self, X, y=None):
        super().fit(X, y)
        self.support_mask_ = np.abs(self.estimator_.coef_) > self.threshold_
        return self


@mutant("select_from_model", bug="'median' computes the mean", catches=("select_from_model.keeps_at_least_threshold",))
class MedianIsMean(SelectFromModel):
    def fit(self, X, y=None):
        t = self.threshold
        self.threshold = "mean" if t == "median" else t
        try:
            return super().fit(X, y)
        finally:
            self.threshold = t
