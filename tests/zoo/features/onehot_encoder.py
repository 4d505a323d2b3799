"""OneHotEncoder mutants: the reference with one bug each."""
from __future__ import annotations

import numpy as np

from reference.features.onehot import OneHotEncoder
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("onehot_encoder", OneHotEncoder, fit_transform="defaults", in_place="fit")


@mutant("onehot_encoder", bug="one-hot dropping a category: the categories are learnt from X[1:], so the first row's "
                              "value may be unknown",
        catches=("onehot_encoder.one_hot_rows", "onehot_encoder.column_count"))
class DropsACategory(OneHotEncoder):
    def fit(self, X, y=None):
        super().fit(X)
        X = np.asarray(X, dtype=np.float64)
        self.categories_ = [np.unique(X[1:, j]) if X.shape[0] > 1 else c for j, c in enumerate(self.categories_)]
        return self

    def transform(self, X):
        handle, self.handle_unknown = self.handle_unknown, "ignore"
        try:
            return super().transform(X)
        finally:
            self.handle_unknown = handle


@mutant("onehot_encoder", bug="drop='first' drops the last indicator of each block instead",
        catches=("onehot_encoder.drop_first_removes_one",))
class DropsLast(OneHotEncoder):
    def fit(self, X, y=None):
        super().fit(X)
        if self.drop == "first":
            self.drop_idx_ = np.array([len(c) - 1 for c in self.categories_], dtype=object)
        return self


@mutant("onehot_encoder", bug="handle_unknown='ignore' maps an unknown value to the first category's indicator",
        catches=("onehot_encoder.handle_unknown_ignore",))
class UnknownAsFirst(OneHotEncoder):
    def transform(self, X):
        X = np.array(X, dtype=np.float64)
        for j, cats in enumerate(self.categories_):
            unknown = ~np.isin(X[:, j], cats) & ~(np.isnan(X[:, j]) & np.isnan(cats).any())
            X[unknown, j] = cats[0]
        return super().transform(X)


@mutant("onehot_encoder", bug="inverse_transform reads the block with argmin instead of argmax",
        catches=("onehot_encoder.inverse_round_trip",))
class InverseArgmin(OneHotEncoder):
    def inverse_transform(self, Z):
        out = super().inverse_transform(Z)
        Z = np.asarray(Z, dtype=np.float64)
        start = 0
        for j, cats in enumerate(self.categories_):
            drop = self._dropped(j)
            kept = [k for k in range(len(cats)) if k != drop]
            block = Z[:, start:start + len(kept)]
            start += len(kept)
            if len(kept) > 1:
                out[:, j] = cats[np.array(kept)[block.argmin(axis=1)]]
        return out
