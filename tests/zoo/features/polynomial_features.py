"""PolynomialFeatures mutants: the reference with one bug each."""
from __future__ import annotations

import itertools

import numpy as np

from reference.features.polynomial import PolynomialFeatures
from tests.zoo import mutant
from tests.zoo.features.transformer_api import api_mutants

api_mutants("polynomial_features", PolynomialFeatures, fit_transform="defaults", in_place="fit")


def _set_terms(est, terms, d):
    est._terms = terms
    est.powers_ = np.array([np.bincount(S, minlength=d) for S in terms], dtype=np.int64).reshape(-1, d)
    est.n_output_features_ = len(terms)
    return est


@mutant("polynomial_features", bug="polynomial features missing the cross terms: only the pure powers xⱼ^k",
        catches=("polynomial_features.column_count", "polynomial_features.monomials"))
class MissingCrossTerms(PolynomialFeatures):
    def fit(self, X, y=None):
        super().fit(X)
        d = self.n_features_in_
        terms = [S for S in self._terms if len(set(S)) <= 1]
        return _set_terms(self, terms, d)


@mutant("polynomial_features", bug="interaction_only ignored: the squares and cubes are kept",
        catches=("polynomial_features.interaction_only_drops_powers",))
class InteractionKeepsPowers(PolynomialFeatures):
    def fit(self, X, y=None):
        only = self.interaction_only
        self.interaction_only = False
        try:
            return super().fit(X)
        finally:
            self.interaction_only = only


@mutant("polynomial_features", bug="degrees 0 … D − 1 (range(degree) instead of range(degree + 1))",
        catches=("polynomial_features.column_count", "polynomial_features.monomials"))
class DegreeOffByOne(PolynomialFeatures):
    def fit(self, X, y=None):
        super().fit(X)
        d = self.n_features_in_
        choose = itertools.combinations if self.interaction_only else itertools.combinations_with_replacement
        terms = [S for k in range(0 if self.include_bias else 1, self.degree) for S in choose(range(d), k)]
        return _set_terms(self, terms, d)
