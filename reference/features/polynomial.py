"""Polynomial features: every monomial of the inputs up to a degree.

For x ∈ ℝ^d and degree D, the output holds ∏ⱼ xⱼ^{pⱼ} for every exponent vector p with Σp ≤ D — the bias
(p = 0) first, then degree by degree, each degree's monomials in the lexicographic order of the multisets
of input indices (``itertools.combinations_with_replacement``); with ``interaction_only`` only the
products of distinct inputs (every pⱼ ≤ 1, ``itertools.combinations``).  C(d + D, D) columns with the
bias, Σ_{k ≤ D} C(d, k) with ``interaction_only``.  The API follows scikit-learn's ``PolynomialFeatures``.
"""
from __future__ import annotations

import itertools
import numbers

import numpy as np

from reference.features.base import Transformer, check_array


class PolynomialFeatures(Transformer):
    def __init__(self, degree: int = 2, interaction_only: bool = False, include_bias: bool = True):
        self.degree, self.interaction_only, self.include_bias = degree, interaction_only, include_bias

    def fit(self, X, y=None) -> "PolynomialFeatures":
        if not isinstance(self.degree, numbers.Integral) or isinstance(self.degree, bool) or self.degree < 0:
            raise ValueError(f"degree must be a non-negative integer, got {self.degree!r}")
        d = check_array(X).shape[1]
        choose = itertools.combinations if self.interaction_only else itertools.combinations_with_replacement
        # the index multisets S of the monomials ∏_{j∈S} xⱼ, degree by degree
        self._terms = [S for k in range(0 if self.include_bias else 1, self.degree + 1) for S in choose(range(d), k)]
        # p_j = how often j occurs in S
        self.powers_ = np.array([np.bincount(S, minlength=d) for S in self._terms], dtype=np.int64).reshape(-1, d)
        self.n_features_in_, self.n_output_features_ = d, len(self._terms)
        return self

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_array(X)
        self._check_width(X)
        columns = X.T.copy()                         # contiguous columns: one pass over memory per factor
        out = np.ones((len(self._terms), X.shape[0]))
        for k, S in enumerate(self._terms):
            for j in S:
                # ∏_{j∈S} xⱼ
                out[k] *= columns[j]
        return out.T.copy()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        self._check_fitted()
        names = self._input_names() if input_features is None else list(input_features)
        out = []
        for p in self.powers_:
            factors = [names[j] if e == 1 else f"{names[j]}^{e}" for j, e in enumerate(p) if e]
            out.append(" ".join(factors) if factors else "1")
        return np.asarray(out, dtype=object)
