"""What every reference transformer shares: input checks that name the parameter, and the transformer API.

The API is scikit-learn's: ``fit(X, y=None)`` returns the estimator, ``transform(X)``, ``fit_transform``,
fitted attributes end in ``_``, ``get_feature_names_out()`` names the output columns, the input columns of
an unnamed array being x0, x1, ….  Nothing here mutates the caller's arrays: every check returns a copy.
"""
from __future__ import annotations

import numpy as np


def check_array(X, name: str = "X", *, allow_nan: bool = False, min_rows: int = 1) -> np.ndarray:
    """A float64 copy of a 2-D, non-empty array of finite values (NaN allowed where it means 'missing')."""
    try:
        X = np.array(X, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] < min_rows or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least {min_rows} row(s) and one column, got shape {X.shape}")
    if np.isinf(X).any():
        raise ValueError(f"{name} must be finite, got {int(np.isinf(X).sum())} infinite entries")
    if not allow_nan and np.isnan(X).any():
        raise ValueError(f"{name} must not contain NaN, got {int(np.isnan(X).sum())} NaN entries")
    return X


def check_labels(y, n: int, name: str = "y") -> np.ndarray:
    """A 1-D copy of n class labels."""
    y = np.array(y, copy=True)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name} must be 1-dimensional with one label per row of X ({n}), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{name} must be finite")
    return y


class Transformer:
    """fit_transform, the fitted-state check, the input-width check and one-to-one feature names."""

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X, y).transform(X)

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit(X) first")

    def _check_width(self, X: np.ndarray, name: str = "X") -> None:
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"{name} has {X.shape[1]} features, but {type(self).__name__} was fitted with "
                             f"{self.n_features_in_}")

    def _input_names(self) -> list[str]:
        return [f"x{j}" for j in range(self.n_features_in_)]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        self._check_fitted()
        return np.asarray(self._input_names() if input_features is None else list(input_features), dtype=object)
