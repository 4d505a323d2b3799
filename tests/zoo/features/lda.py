"""LDA mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.lda import LinearDiscriminantAnalysis
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("lda", LinearDiscriminantAnalysis, in_place="fit")


def _refit(est, X, y, within):
    """The reference's fit with the whitening matrix built from ``within(X, y, means, k)`` instead of Σ_W."""
    X = np.asarray(X, dtype=np.float64)
    est.fit(X, y)
    k = np.unique(y, return_inverse=True)[1].ravel()
    n = X.shape[0]
    D = est.means_ - est.xbar_
    Sb = (D * est.priors_[:, None]).T @ D
    s, U = np.linalg.eigh(within(X, est.means_[k], est.xbar_, n))
    W_half = (U / np.sqrt(s)) @ U.T
    lam, V = np.linalg.eigh(W_half @ Sb @ W_half)
    lam, V = lam[::-1], V[:, ::-1]
    est.scalings_ = W_half @ V[:, : est._n_components]
    top = min(len(est.classes_) - 1, X.shape[1])
    lam = np.clip(lam[:top], 0, None)
    est.explained_variance_ratio_ = lam[: est._n_components] / lam.sum()
    return est


@mutant("lda", bug="LDA with the total scatter instead of the within-class scatter: whitens by Cov(X)",
        catches=("lda.within_class_whitened", "lda.class_means_separated"))
class TotalScatter(LinearDiscriminantAnalysis):
    def fit(self, X, y):
        return _refit(self, X, y, lambda X, M, xbar, n: (X - xbar).T @ (X - xbar) / n)


@mutant("lda", bug="pooled within-class covariance with ddof n − C where the contract's normalisation is 1/n",
        catches=("lda.within_class_whitened",))
class PooledDdof(LinearDiscriminantAnalysis):
    def fit(self, X, y):
        C = len(np.unique(y))
        return _refit(self, X, y, lambda X, M, xbar, n: (X - M).T @ (X - M) / (n - C))


@mutant("lda", bug="directions in ascending order of λ (eigh's order kept)",
        catches=("lda.fisher_optimal", "lda.class_means_separated"))
class AscendingDirections(LinearDiscriminantAnalysis):
    def fit(self, X, y):
        super().fit(X, y)
        X = np.asarray(X, dtype=np.float64)
        m = self._n_components
        top = min(len(self.classes_) - 1, X.shape[1])
        if top > 1:
            full = LinearDiscriminantAnalysis(n_components=top).fit(X, y)
            self.scalings_ = full.scalings_[:, ::-1][:, :m]
        return self


@mutant("lda", bug="directions normalised to unit Euclidean length instead of unit within-class variance",
        catches=("lda.within_class_whitened",))
class EuclideanUnitDirections(LinearDiscriminantAnalysis):
    def fit(self, X, y):
        super().fit(X, y)
        self.scalings_ = self.scalings_ / np.linalg.norm(self.scalings_, axis=0)
        return self


@mutant("lda", bug="keeps min(d, n_components) directions past C − 1 (the rank of Σ_B ignored)",
        catches=("lda.at_most_c_minus_1",))
class IgnoresRank(LinearDiscriminantAnalysis):
    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        super().fit(X, y)
        if self.n_components is None and X.shape[1] > self._n_components:
            self._n_components = X.shape[1]
            self.scalings_ = np.hstack([self.scalings_, np.eye(X.shape[1])[:, : X.shape[1] - self.scalings_.shape[1]]])
        return self


@mutant("lda", bug="explained_variance_ratio_ divides by the kept λ's sum instead of all C − 1 of them",
        catches=("lda.generalized_eigh",))
class RatioOfKept(LinearDiscriminantAnalysis):
    def fit(self, X, y):
        super().fit(X, y)
        self.explained_variance_ratio_ = self.explained_variance_ratio_ / self.explained_variance_ratio_.sum()
        return self
