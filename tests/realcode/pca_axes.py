"""A hand-written PCA in the shape real code takes: correct numbers, but the principal axes are stored as
``axes_`` instead of scikit-learn's ``components_`` (and it has no ``inverse_transform``)."""
import numpy as np


class AxesPCA:
    def __init__(self, n_components):
        self.n_components = n_components

    def fit(self, X):
        X = np.asarray(X, dtype=float)
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        _, s, vt = np.linalg.svd(Xc, full_matrices=False)
        k = self.n_components
        self.axes_ = vt[:k]
        self.explained_variance_ = s[:k] ** 2 / (len(X) - 1)
        self.explained_variance_ratio_ = self.explained_variance_ / (s ** 2 / (len(X) - 1)).sum()
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=float) - self.mean_) @ self.axes_.T
