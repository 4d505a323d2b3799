"""Transformers that learn nothing from the rows (fit records the width only): Normalizer, Binarizer,
FunctionTransformer.

    Normalizer          z = x / ‖x‖_p per row, p ∈ {l1, l2, max}; a zero row stays zero
    Binarizer           z = 1 if x > t else 0   (strictly greater: x = t maps to 0)
    FunctionTransformer z = f(x), inverse x = f⁻¹(z)   (e.g. f = log1p, f⁻¹ = expm1)

The l2 norm is computed as m·‖x/m‖₂ with m = max|x| so that it neither underflows nor overflows.
The API follows scikit-learn's ``sklearn.preprocessing`` classes of the same names.
"""
from __future__ import annotations

import numpy as np

from reference.features.base import Transformer, check_array

NORMS = ("l1", "l2", "max")


class Stateless(Transformer):
    def fit(self, X, y=None):
        self._check_params()
        self.n_features_in_ = check_array(X).shape[1]
        return self

    def _check_params(self) -> None:
        pass

    def _checked(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X)
        self._check_width(X)
        return X


class Normalizer(Stateless):
    def __init__(self, norm: str = "l2"):
        self.norm = norm

    def _check_params(self) -> None:
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")

    def transform(self, X) -> np.ndarray:
        X = self._checked(X)
        m = np.abs(X).max(axis=1, keepdims=True)
        safe = np.where(m > 0, m, 1.0)
        if self.norm == "l1":
            # ‖x‖₁ = Σ|xⱼ|
            norms = np.abs(X).sum(axis=1, keepdims=True)
        elif self.norm == "l2":
            # ‖x‖₂ = m·√(Σ (xⱼ/m)²),  m = max|xⱼ|
            norms = m * np.sqrt(((X / safe) ** 2).sum(axis=1, keepdims=True))
        else:
            # ‖x‖_∞ = max|xⱼ|
            norms = m
        # z = x / ‖x‖, a zero row stays zero
        return X / np.where(norms > 0, norms, 1.0)


class Binarizer(Stateless):
    def __init__(self, threshold: float = 0.0):
        self.threshold = threshold

    def _check_params(self) -> None:
        if not np.isfinite(self.threshold):
            raise ValueError(f"threshold must be a finite number, got {self.threshold!r}")

    def transform(self, X) -> np.ndarray:
        X = self._checked(X)
        # z = [x > t]
        return (X > self.threshold).astype(np.float64)


class FunctionTransformer(Stateless):
    """z = func(x) elementwise; ``inverse_func`` undoes it.  ``validate`` and ``feature_names_out`` are accepted
    for scikit-learn compatibility: input is always validated, names are always the input's."""

    def __init__(self, func=None, inverse_func=None, validate: bool = True, feature_names_out="one-to-one"):
        self.func, self.inverse_func = func, inverse_func
        self.validate, self.feature_names_out = validate, feature_names_out

    def _check_params(self) -> None:
        for name in ("func", "inverse_func"):
            if getattr(self, name) is not None and not callable(getattr(self, name)):
                raise ValueError(f"{name} must be callable or None, got {getattr(self, name)!r}")

    def transform(self, X) -> np.ndarray:
        X = self._checked(X)
        return X if self.func is None else np.asarray(self.func(X), dtype=np.float64)

    def inverse_transform(self, Z) -> np.ndarray:
        self._check_fitted()
        Z = check_array(Z, "Z")
        self._check_width(Z, "Z")
        return Z if self.inverse_func is None else np.asarray(self.inverse_func(Z), dtype=np.float64)
