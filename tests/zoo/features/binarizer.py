"""Binarizer mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.stateless import Binarizer
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("binarizer", Binarizer, fit_transform="defaults")


@mutant("binarizer", bug="x ≥ t instead of x > t: a value equal to the threshold maps to 1",
        catches=("binarizer.strict_threshold",))
class GreaterOrEqual(Binarizer):
    def transform(self, X):
        return (self._checked(X) >= self.threshold).astype(np.float64)
