"""Linear discriminant analysis as a transformer: Fisher's discriminant directions.

Fisher (1936); Rao (1948).  For classes k with n_k rows, means μ_k, priors π_k = n_k/n and the grand mean
x̄ = Σ π_k μ_k:

    Σ_W = (1/n) Σ_k Σ_{i∈k} (xᵢ − μ_k)(xᵢ − μ_k)ᵀ        (within-class covariance, ddof 0)
    Σ_B = (1/n) Σ_k n_k (μ_k − x̄)(μ_k − x̄)ᵀ              (between-class covariance, rank ≤ C − 1)
    w maximises J(w) = wᵀΣ_B w / wᵀΣ_W w: the generalised eigenproblem Σ_B w = λ Σ_W w

solved here by whitening: Σ_W = U S Uᵀ, Σ_W^{-1/2} = U S^{-1/2} Uᵀ, M = Σ_W^{-1/2} Σ_B Σ_W^{-1/2} = V Λ Vᵀ,
w_j = Σ_W^{-1/2} v_j, so that w_jᵀ Σ_W w_j = 1 and w_jᵀ Σ_B w_j = λ_j.  At most min(C − 1, d) directions carry
between-class variance.  transform(X) = (X − x̄) W.  The API follows scikit-learn's
``LinearDiscriminantAnalysis`` (solver="svd") used as a transformer.
"""
from __future__ import annotations

import numbers

import numpy as np

from reference.features.base import Transformer, check_array, check_labels


class LinearDiscriminantAnalysis(Transformer):
    def __init__(self, n_components=None):
        self.n_components = n_components

    def fit(self, X, y) -> "LinearDiscriminantAnalysis":
        X = check_array(X, min_rows=2)
        y = check_labels(y, X.shape[0])
        self.classes_, k = np.unique(y, return_inverse=True)
        k = k.ravel()
        n, d = X.shape
        C = self.classes_.size
        if C < 2:
            raise ValueError(f"y must hold at least 2 classes, got {C}")
        top = min(C - 1, d)
        m = top if self.n_components is None else self.n_components
        if not (isinstance(m, numbers.Integral) and not isinstance(m, bool) and 1 <= m <= top):
            raise ValueError(f"n_components must be an integer in [1, min(n_classes − 1, n_features) = {top}], got {m!r}")
        self.priors_ = np.bincount(k) / n
        self.means_ = np.stack([X[k == c].mean(axis=0) for c in range(C)])
        # x̄ = Σ π_k μ_k
        self.xbar_ = self.priors_ @ self.means_
        Xc = X - self.means_[k]
        # Σ_W = (1/n) Σ (xᵢ − μ_k)(xᵢ − μ_k)ᵀ
        Sw = Xc.T @ Xc / n
        D = self.means_ - self.xbar_
        # Σ_B = Σ π_k (μ_k − x̄)(μ_k − x̄)ᵀ
        Sb = (D * self.priors_[:, None]).T @ D
        s, U = np.linalg.eigh(Sw)
        if s.min() <= 1e-12 * s.max():
            raise ValueError("X has collinear features within the classes: the within-class covariance is singular")
        # Σ_W^{-1/2} = U S^{-1/2} Uᵀ
        W_half = (U / np.sqrt(s)) @ U.T
        # M = Σ_W^{-1/2} Σ_B Σ_W^{-1/2} = V Λ Vᵀ, descending
        lam, V = np.linalg.eigh(W_half @ Sb @ W_half)
        lam, V = lam[::-1], V[:, ::-1]
        # w_j = Σ_W^{-1/2} v_j
        self.scalings_ = W_half @ V[:, :m]
        lam = np.clip(lam[:top], 0.0, None)
        # ratio_j = λ_j / Σ λ
        self.explained_variance_ratio_ = lam[:m] / lam.sum()
        self.n_features_in_, self._n_components = d, m
        return self

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X)
        self._check_width(X)
        # z = (x − x̄) W
        return (X - self.xbar_) @ self.scalings_

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X, y).transform(X)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        self._check_fitted()
        return np.asarray([f"lineardiscriminantanalysis{j}" for j in range(self._n_components)], dtype=object)
