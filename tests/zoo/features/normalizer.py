"""Normalizer mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.stateless import Normalizer
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("normalizer", Normalizer, fit_transform="defaults")


@mutant("normalizer", bug="division by zero: a zero row becomes 0/0 = NaN", catches=("normalizer.zero_rows_stay_zero",))
class DividesByZeroNorm(Normalizer):
    def transform(self, X):
        X = self._checked(X)
        norms = {"l1": np.abs(X).sum(1), "l2": np.sqrt((X ** 2).sum(1)), "max": np.abs(X).max(1)}[self.norm]
        with np.errstate(invalid="ignore", divide="ignore"):
            return X / norms[:, None]


@mutant("normalizer", bug="the max norm without the absolute value: max(x) instead of max|x|",
        catches=("normalizer.unit_norm",))
class MaxWithoutAbs(Normalizer):
    def transform(self, X):
        if self.norm != "max":
            return super().transform(X)
        X = self._checked(X)
        top = X.max(axis=1, keepdims=True)
        return X / np.where(top != 0, top, 1.0)


@mutant("normalizer", bug="l2 divides by Σx² (the square root forgotten)", catches=("normalizer.unit_norm",))
class SquaredL2(Normalizer):
    def transform(self, X):
        if self.norm != "l2":
            return super().transform(X)
        X = self._checked(X)
        sq = (X ** 2).sum(axis=1, keepdims=True)
        return X / np.where(sq > 0, sq, 1.0)
