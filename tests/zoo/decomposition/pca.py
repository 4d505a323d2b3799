"""PCA mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.decomposition.pca import PCA, check_data, fix_signs
from tests.zoo import mutant


def _finish(est: PCA, X: np.ndarray, mean: np.ndarray, lam: np.ndarray, V: np.ndarray, total: float) -> PCA:
    """Store attributes the way the reference does, from a (possibly wrong) spectrum."""
    k = est.n_components or min(X.shape)
    est.mean_, est.components_ = mean, fix_signs(V[:k].copy())
    est.explained_variance_ = np.clip(lam[:k], 0, None)
    est.explained_variance_ratio_ = est.explained_variance_ / total
    est.n_components_, est.n_samples_, est.n_features_in_ = k, X.shape[0], X.shape[1]
    return est


def _eigh(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lam, V = np.linalg.eigh(C)
    return lam[::-1], V[:, ::-1].T


@mutant("pca", bug="covariance of the raw data XᵀX/(n−1): the data is never centred",
        catches=("pca.variance_is_top_eigenvalues", "pca.translation_invariance", "pca.scores_decorrelated"))
class UncentredCovariance(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        lam, V = _eigh(X.T @ X / (X.shape[0] - 1))
        return _finish(self, X, X.mean(axis=0), lam, V, np.trace(np.cov(X.T, ddof=1).reshape(X.shape[1], -1)))


@mutant("pca", bug="eigh's ascending order kept: the k smallest eigenpairs are returned first",
        catches=("pca.variance_sorted", "pca.first_component_maximises_variance", "pca.reconstruction_error"))
class AscendingEigenvalues(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        Xc = X - X.mean(axis=0)
        lam, V = np.linalg.eigh(Xc.T @ Xc / (X.shape[0] - 1))
        return _finish(self, X, X.mean(axis=0), lam, V.T, Xc.var(axis=0, ddof=1).sum())


@mutant("pca", bug="eigenvalues reversed to descending but the eigenvectors left in ascending order",
        catches=("pca.scores_decorrelated", "pca.first_component_maximises_variance"))
class EigenvectorsNotReordered(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        Xc = X - X.mean(axis=0)
        lam, V = np.linalg.eigh(Xc.T @ Xc / (X.shape[0] - 1))
        return _finish(self, X, X.mean(axis=0), lam[::-1], V.T, Xc.var(axis=0, ddof=1).sum())


@mutant("pca", bug="components stored as loadings √λ·v instead of unit vectors",
        catches=("pca.components_orthonormal", "pca.reconstruction_error"))
class UnnormalisedComponents(PCA):
    def fit(self, X, y=None):
        super().fit(X)
        self.components_ = self.components_ * np.sqrt(self.explained_variance_)[:, None]
        return self


@mutant("pca", bug="centres the caller's array in place (X -= X̄)",
        catches=("pca.mean_is_column_mean", "pca.variance_is_top_eigenvalues"))
class InPlaceCentering(PCA):
    def fit(self, X, y=None):
        if isinstance(X, np.ndarray) and X.dtype == np.float64:
            X -= X.mean(axis=0)
        return super().fit(X)


@mutant("pca", bug="biased covariance (divides by n, ddof = 0)",
        catches=("pca.variance_is_top_eigenvalues",))
class BiasedCovariance(PCA):
    def fit(self, X, y=None):
        super().fit(X)
        n = self.n_samples_
        self.explained_variance_ = self.explained_variance_ * (n - 1) / n
        return self


@mutant("pca", bug="transform forgets to subtract mean_",
        catches=("pca.transform_is_affine_projection", "pca.scores_decorrelated", "pca.reconstruction_error"))
class TransformWithoutCentering(PCA):
    def transform(self, X):
        return check_data(X) @ self.components_.T


@mutant("pca", bug="ratio divides by the kept variance Σ_{j≤k} λ_j instead of the total",
        catches=("pca.ratio_of_total_variance",))
class RatioOfKeptVariance(PCA):
    def fit(self, X, y=None):
        super().fit(X)
        kept = self.explained_variance_.sum()
        self.explained_variance_ratio_ = self.explained_variance_ / kept if kept > 0 else self.explained_variance_
        return self


@mutant("pca", bug="inverse_transform forgets to add mean_ back",
        catches=("pca.full_rank_round_trip", "pca.reconstruction_error"))
class InverseWithoutMean(PCA):
    def inverse_transform(self, Z):
        return check_data(Z, name="Z") @ self.components_


@mutant("pca", bug="scores whitened (divided by √λ) although whiten=False",
        catches=("pca.scores_decorrelated", "pca.transform_is_affine_projection"))
class WhitenedScores(PCA):
    def transform(self, X):
        Z = super().transform(X)
        return Z / np.sqrt(np.where(self.explained_variance_ > 0, self.explained_variance_, 1.0))


@mutant("pca", bug="standardises each feature first (PCA of the correlation matrix)",
        catches=("pca.variance_is_top_eigenvalues", "pca.rotation_equivariance", "pca.scale_equivariance"))
class CorrelationMatrixPCA(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        sd = X.std(axis=0, ddof=1)
        sd[sd == 0] = 1.0
        Xs = (X - X.mean(axis=0)) / sd
        lam, V = _eigh(Xs.T @ Xs / (X.shape[0] - 1))
        return _finish(self, X, X.mean(axis=0), lam, V, Xs.var(axis=0, ddof=1).sum())


@mutant("pca", bug="centres at the first row instead of the mean (order-dependent)",
        catches=("pca.mean_is_column_mean", "pca.row_permutation_invariance"))
class CentredAtFirstRow(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        mean = X[0].copy()
        Xc = X - mean
        lam, V = _eigh(Xc.T @ Xc / (X.shape[0] - 1))
        return _finish(self, X, mean, lam, V, np.trace(Xc.T @ Xc) / (X.shape[0] - 1))


@mutant("pca", bug="fits only the first n − 1 rows (an off-by-one in a slice)",
        catches=("pca.row_permutation_invariance", "pca.variance_is_top_eigenvalues"))
class DropsLastRow(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        if X.shape[0] > 2:
            return super().fit(X[:-1])
        return super().fit(X)


@mutant("pca", bug="a general (non-symmetric) eigen-solver, numpy.linalg.eig, on the covariance: inside the eigenspace "
                   "of a repeated eigenvalue its eigenvectors need not be orthogonal",
        catches=("pca.components_orthonormal", "pca.scores_decorrelated"))
class GeneralEig(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        Xc = X - X.mean(axis=0)
        lam, V = np.linalg.eig(Xc.T @ Xc / (X.shape[0] - 1))
        lam, V = lam.real, V.real
        order = np.argsort(lam)[::-1]
        return _finish(self, X, X.mean(axis=0), lam[order], V[:, order].T, Xc.var(axis=0, ddof=1).sum())


@mutant("pca", bug="adds a 'stability' jitter of 1e-10 to the covariance's diagonal: invisible at unit scale, a "
                   "100 % error for data of size 1e-5 (an absolute tolerance would miss it)",
        catches=("pca.variance_is_top_eigenvalues",))
class RidgeJitter(PCA):
    def fit(self, X, y=None):
        X = check_data(X)
        Xc = X - X.mean(axis=0)
        C = Xc.T @ Xc / (X.shape[0] - 1) + 1e-10 * np.eye(X.shape[1])
        lam, V = _eigh(C)
        return _finish(self, X, X.mean(axis=0), lam, V, np.trace(C))


@mutant("pca", bug="orients each principal axis by a sign drawn from numpy's global random generator",
        catches=("pca.deterministic",))
class SignsFromGlobalRNG(PCA):
    def fit(self, X, y=None):
        super().fit(X)
        self.components_ = self.components_ * np.random.choice([-1.0, 1.0], size=(self.components_.shape[0], 1))
        return self
