"""SimpleImputer mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.imputer import SimpleImputer
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("simple_imputer", SimpleImputer, fit_transform="defaults", in_place="fit")


@mutant("simple_imputer", bug="imputing with the global mean of every observed entry instead of the column mean",
        catches=("simple_imputer.fill_is_statistic",))
class GlobalMean(SimpleImputer):
    def fit(self, X, y=None):
        super().fit(X)
        if self.strategy == "mean":
            X = np.asarray(X, dtype=np.float64)
            self.statistics_ = np.where(np.isnan(self.statistics_), np.nan, np.nanmean(X))
        return self


@mutant("simple_imputer", bug="most_frequent breaks ties towards the largest value",
        catches=("simple_imputer.fill_is_statistic",))
class ModeLargestTie(SimpleImputer):
    def fit(self, X, y=None):
        super().fit(X)
        if self.strategy == "most_frequent":
            X = np.asarray(X, dtype=np.float64)
            for j in range(X.shape[1]):
                x = X[~np.isnan(X[:, j]), j]
                if x.size:
                    v, c = np.unique(x, return_counts=True)
                    self.statistics_[j] = v[np.flatnonzero(c == c.max())[-1]]
        return self


@mutant("simple_imputer", bug="treats 0 as missing too (missing_values=0 mixed with NaN): observed zeros are overwritten",
        catches=("simple_imputer.fills_every_missing",))
class ZeroIsMissing(SimpleImputer):
    def transform(self, X):
        X = np.array(X, dtype=np.float64)
        X[X == 0] = np.nan
        return super().transform(X)
