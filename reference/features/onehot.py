"""One-hot encoding: each categorical column becomes one indicator column per category.

For column j with sorted categories c_j1 < … < c_jK (NaN, when present, is a category of its own and
sorts last), a value x maps to the K-vector e_k with c_jk = x.  ``drop="first"`` removes the indicator of
c_j1 (so c_j1 encodes as all zeros); ``drop="if_binary"`` does so only for columns with two categories.
An unknown value raises (``handle_unknown="error"``) or encodes as all zeros (``"ignore"``).
The API follows scikit-learn's ``OneHotEncoder`` with ``sparse_output=False``.
"""
from __future__ import annotations

import numpy as np

from reference.features.base import Transformer, check_array

HANDLE_UNKNOWN = ("error", "ignore")
DROP = (None, "first", "if_binary")


def _position(categories: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of each x among the categories (NaN matches NaN), −1 where x is unknown."""
    out = np.full(x.shape, -1, dtype=np.int64)
    for k, c in enumerate(categories):
        out[(x == c) | (np.isnan(x) & np.isnan(c))] = k
    return out


class OneHotEncoder(Transformer):
    def __init__(self, sparse_output: bool = False, handle_unknown: str = "error", drop=None):
        self.sparse_output, self.handle_unknown, self.drop = sparse_output, handle_unknown, drop

    def fit(self, X, y=None) -> "OneHotEncoder":
        if self.sparse_output:
            raise ValueError("sparse_output=True is not supported by this reference: use sparse_output=False")
        if self.handle_unknown not in HANDLE_UNKNOWN:
            raise ValueError(f"handle_unknown must be one of {HANDLE_UNKNOWN}, got {self.handle_unknown!r}")
        if self.drop not in DROP:
            raise ValueError(f"drop must be one of {DROP}, got {self.drop!r}")
        X = check_array(X, allow_nan=True)
        # the sorted categories of each column (np.unique puts a single NaN last)
        self.categories_ = [np.unique(X[:, j]) for j in range(X.shape[1])]
        if self.drop is None:
            self.drop_idx_ = None
        else:
            self.drop_idx_ = np.array([0 if self.drop == "first" or len(c) == 2 else None for c in self.categories_],
                                      dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def _dropped(self, j: int):
        return None if self.drop_idx_ is None else self.drop_idx_[j]

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X, allow_nan=True)
        self._check_width(X)
        blocks = []
        for j, cats in enumerate(self.categories_):
            k = _position(cats, X[:, j])
            if self.handle_unknown == "error" and (k < 0).any():
                raise ValueError(f"X has unknown categories {np.unique(X[k < 0, j]).tolist()} in column {j} "
                                 f"(handle_unknown='error')")
            # e_k: one indicator per category, all zeros for an unknown value
            block = (k[:, None] == np.arange(len(cats))[None, :]).astype(np.float64)
            drop = self._dropped(j)
            blocks.append(block if drop is None else np.delete(block, drop, axis=1))
        return np.hstack(blocks) if blocks else np.zeros((X.shape[0], 0))

    def inverse_transform(self, Z) -> np.ndarray:
        self._check_fitted()
        Z = check_array(Z, "Z")
        out, start = np.empty((Z.shape[0], self.n_features_in_)), 0
        for j, cats in enumerate(self.categories_):
            drop = self._dropped(j)
            kept = [k for k in range(len(cats)) if k != drop]
            block = Z[:, start:start + len(kept)]
            start += len(kept)
            # the category whose indicator is 1; all zeros is the dropped category
            hot = np.where(block.any(axis=1), np.array(kept)[block.argmax(axis=1)] if kept else 0, -1 if drop is None else drop)
            if (hot < 0).any():
                raise ValueError(f"Z has rows with no category in feature {j} (an unknown value encoded with "
                                 f"handle_unknown='ignore') and no dropped category to return")
            out[:, j] = cats[hot]
        if start != Z.shape[1]:
            raise ValueError(f"Z must have {start} columns, got {Z.shape[1]}")
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        self._check_fitted()
        names = self._input_names() if input_features is None else list(input_features)
        return np.asarray([f"{names[j]}_{c}" for j, cats in enumerate(self.categories_)
                           for k, c in enumerate(cats) if k != self._dropped(j)], dtype=object)
