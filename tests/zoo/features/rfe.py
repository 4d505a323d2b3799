"""RFE mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.selection import RFE, _clone, _importances
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("rfe", RFE, fit_transform="float32", in_place="fit", selector=True)


def _rank(est, order, X, y, k):
    """ranking_ from an elimination order (first eliminated first), eliminating `step` at a time."""
    d = len(order) + k
    est.ranking_ = np.ones(d, dtype=np.int64)
    rounds = [order[i:i + est.step] for i in range(0, len(order), est.step)]
    for r, drop in enumerate(reversed(rounds), start=2):
        est.ranking_[drop] = r
    est.support_mask_ = est.support_ = est.ranking_ == 1
    est.n_features_, est.n_features_in_ = k, d
    est.estimator_ = _clone(est.estimator).fit(np.asarray(X)[:, est.support_mask_], y)
    return est


@mutant("rfe", bug="no refit: every feature ranked by the importances of the first fit on all columns",
        catches=("rfe.eliminates_least_important",))
class NoRefit(RFE):
    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        k = self.n_features_to_select
        imp = _importances(_clone(self.estimator).fit(X, y))
        return _rank(self, list(np.argsort(imp, kind="stable")[: X.shape[1] - k]), X, y, k)


@mutant("rfe", bug="eliminates the most important feature each round (argsort taken descending)",
        catches=("rfe.eliminates_least_important",))
class DropsMostImportant(RFE):
    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        k, remaining, order = self.n_features_to_select, list(range(X.shape[1])), []
        while len(remaining) > k:
            imp = _importances(_clone(self.estimator).fit(X[:, remaining], y))
            drop = [remaining[i] for i in np.argsort(-imp, kind="stable")[: min(self.step, len(remaining) - k)]]
            order += drop
            remaining = [j for j in remaining if j not in drop]
        return _rank(self, order, X, y, k)


@mutant("rfe", bug="step ignored: one feature per round whatever step says", catches=("rfe.ranking_permutation",))
class StepIgnored(RFE):
    def fit(self, X, y):
        step, self.step = self.step, 1
        try:
            return super().fit(X, y)
        finally:
            self.step = step
