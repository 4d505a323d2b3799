"""Linear-algebra oracles for PCA: the sample covariance and its spectrum, subspace projectors."""
from __future__ import annotations

import numpy as np


def sample_covariance(X: np.ndarray) -> np.ndarray:
    """C = (X − X̄)ᵀ(X − X̄) / (n − 1): the unbiased (ddof = 1) sample covariance."""
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / (X.shape[0] - 1)


def covariance_spectrum(X: np.ndarray) -> np.ndarray:
    """Eigenvalues of the sample covariance, descending, negatives from round-off clipped to 0."""
    lam = np.linalg.eigvalsh(sample_covariance(X))[::-1]
    return np.clip(lam, 0.0, None)


def projector(W: np.ndarray) -> np.ndarray:
    """P = Wᵀ(WWᵀ)⁺W: the orthogonal projector onto the row space of W (sign- and basis-free)."""
    W = np.asarray(W, dtype=np.float64)
    return W.T @ np.linalg.pinv(W @ W.T) @ W


def top_k_is_determined(lam: np.ndarray, k: int, rel_gap: float = 1e-4) -> bool:
    """The top-k principal subspace is unique iff λ_k > λ_{k+1}; with a relative margin for round-off."""
    if k >= lam.size:
        return True
    return bool(lam[k - 1] - lam[k] > rel_gap * max(lam[0], 1e-300))
