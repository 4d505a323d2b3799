"""Principal component analysis, the textbook way.

Pearson (1901), Hotelling (1933); Jolliffe, *Principal Component Analysis* (2002).
Given data X ∈ ℝ^{n×d}:

    X̄ = (1/n) Σᵢ xᵢ                      (centre)
    C = (X − X̄)ᵀ(X − X̄) / (n − 1)         (unbiased sample covariance)
    C = V Λ Vᵀ, λ₁ ≥ … ≥ λ_d ≥ 0          (eigendecomposition)
    W = V[:, :k]ᵀ                         (principal axes as rows)
    Z = (X − X̄) Wᵀ,  X̂ = Z W + X̄          (scores, reconstruction)

Two solvers give the same result: ``method="eigh"`` decomposes C;
``method="svd"`` decomposes the centred data X − X̄ = U S Vᵀ and uses
λ = s² / (n − 1), which avoids squaring the condition number.
Each axis is defined up to sign; we make the entry of largest magnitude
positive (first such entry on ties) so results are reproducible.
The API follows scikit-learn's ``PCA`` estimator.
"""
from __future__ import annotations

import numbers

import numpy as np


def check_data(X, name: str = "X") -> np.ndarray:
    """A float64 copy of a finite, non-empty 2-D array (the caller's array is never touched)."""
    X = np.array(X, dtype=np.float64, copy=True)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be non-empty, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must be finite, got {int((~np.isfinite(X)).sum())} NaN/inf entries")
    return X


def centre(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # X̄ = (1/n) Σᵢ xᵢ
    mean = X.mean(axis=0)
    return X - mean, mean


def eigh_spectrum(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = Xc.shape[0]
    # C = (X − X̄)ᵀ(X − X̄) / (n − 1)
    C = Xc.T @ Xc / (n - 1)
    # C = V Λ Vᵀ  (eigh returns ascending eigenvalues: reverse to λ₁ ≥ λ₂ ≥ …)
    lam, V = np.linalg.eigh(C)
    return lam[::-1], V[:, ::-1].T


def svd_spectrum(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = Xc.shape[0]
    # X − X̄ = U S Vᵀ  (thin SVD: the min(n, d) axes that can carry variance)
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    # λ_j = s_j² / (n − 1)
    return S**2 / (n - 1), Vt


def fix_signs(W: np.ndarray) -> np.ndarray:
    # w_j ← sign(w_j[argmax |w_j|]) · w_j
    pivots = np.argmax(np.abs(W), axis=1)
    signs = np.sign(W[np.arange(W.shape[0]), pivots])
    signs[signs == 0] = 1.0
    return W * signs[:, None]


class PCA:
    """PCA with scikit-learn's estimator interface (``n_components`` an int or None)."""

    def __init__(self, n_components: int | None = None, method: str = "svd"):
        self.n_components = n_components
        self.method = method

    def fit(self, X, y=None) -> "PCA":
        X = check_data(X)
        n, d = X.shape
        if n < 2:
            raise ValueError(f"X must have at least 2 samples for the ddof=1 covariance, got n_samples={n}")
        k = min(n, d) if self.n_components is None else self.n_components
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 1 <= k <= min(n, d):
            raise ValueError(f"n_components must be an int in [1, min(n_samples, n_features)] = [1, {min(n, d)}], got {k!r}")
        if self.method not in ("svd", "eigh"):
            raise ValueError(f"method must be 'svd' or 'eigh', got {self.method!r}")

        try:
            with np.errstate(over="raise", invalid="raise"):
                Xc, self.mean_ = centre(X)
                lam, V = svd_spectrum(Xc) if self.method == "svd" else eigh_spectrum(Xc)
        except FloatingPointError:
            raise ValueError(f"X is too large for float64: its covariance overflows (max |X| = "
                             f"{np.abs(X).max():.3g}); rescale X") from None
        # round-off can make a zero eigenvalue slightly negative; a variance is ≥ 0
        lam = np.clip(lam, 0.0, None)
        # W = V[:, :k]ᵀ  (rows are the principal axes)
        self.components_ = fix_signs(V[:k].copy())
        self.explained_variance_ = lam[:k].copy()
        # ratio_j = λ_j / tr C  (tr C = Σ all eigenvalues = total variance)
        total = Xc.var(axis=0, ddof=1).sum()
        self.explained_variance_ratio_ = self.explained_variance_ / total if total > 0 else np.zeros(k)
        # singular values s_j = √((n − 1) λ_j)
        self.singular_values_ = np.sqrt(self.explained_variance_ * (n - 1))
        self.n_components_, self.n_samples_, self.n_features_in_ = k, n, d
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise ValueError("this PCA instance is not fitted yet: call fit(X) first")

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_data(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have {self.n_features_in_} features, got {X.shape[1]}")
        # Z = (X − X̄) Wᵀ
        return (X - self.mean_) @ self.components_.T

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        self._check_fitted()
        Z = check_data(Z, name="Z")
        if Z.shape[1] != self.n_components_:
            raise ValueError(f"Z must have {self.n_components_} columns, got {Z.shape[1]}")
        # X̂ = Z W + X̄
        return Z @ self.components_ + self.mean_
