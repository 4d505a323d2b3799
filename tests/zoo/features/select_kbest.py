"""SelectKBest mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.selection import SelectKBest
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("select_kbest", SelectKBest, fit_transform="float32", selector=True)


@mutant("select_kbest", bug="off-by-one k: keeps the k + 1 best (a slice order[:k + 1])", catches=("select_kbest.keeps_top_k",))
class OffByOneK(SelectKBest):
    def fit(self, X, y):
        super().fit(X, y)
        if self.k != "all" and self.k < self.n_features_in_:
            order = np.argsort(-np.nan_to_num(self.scores_, nan=-np.inf), kind="stable")
            self.support_mask_[order[: self.k + 1]] = True
        return self


@mutant("select_kbest", bug="NaN scores rank highest (np.argsort puts NaN last, and the last k are kept)",
        catches=("select_kbest.keeps_top_k",))
class NaNRanksHighest(SelectKBest):
    def fit(self, X, y):
        super().fit(X, y)
        if self.k != "all":
            keep = np.argsort(self.scores_, kind="stable")[self.n_features_in_ - self.k:]
            self.support_mask_[:] = False
            self.support_mask_[keep] = True
        return self


@mutant("select_kbest", bug="k='all' read as k = 1 (a string compared as a count)", catches=("select_kbest.k_all_keeps_everything",))
class AllMeansOne(SelectKBest):
    def fit(self, X, y):
        k, self.k = self.k, (1 if self.k == "all" else self.k)
        try:
            return super().fit(X, y)
        finally:
            self.k = k
