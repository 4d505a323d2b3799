"""chi_squared (scikit-learn's chi2) mutants: the reference's formula with one bug each."""
from __future__ import annotations

import numpy as np
from scipy import stats

from reference.features import univariate
from tests.zoo import mutant


def _counts(X, y):
    X = np.asarray(X, dtype=np.float64)
    _, k = np.unique(y, return_inverse=True)
    C = k.max() + 1
    return X, k, C, np.stack([X[k == c].sum(axis=0) for c in range(C)]), np.bincount(k, minlength=C).astype(float)


@mutant("chi_squared", bug="chi² with unnormalised expected counts: E_kj = n_k·Σᵢ X_ij (the division by n forgotten)",
        catches=("chi_squared.matches_contingency",))
def unnormalised_expected(X, y):
    X, k, C, O, n_k = _counts(X, y)
    E = np.outer(n_k, O.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = ((O - E) ** 2 / E).sum(axis=0)
    return s, stats.chi2.sf(s, C - 1)


@mutant("chi_squared", bug="p-values with C degrees of freedom instead of C − 1", catches=("chi_squared.matches_contingency",))
def degrees_of_freedom_c(X, y):
    s, _ = univariate.chi2(X, y)
    return s, stats.chi2.sf(s, len(np.unique(y)))


@mutant("chi_squared", bug="no check for negative values or NaN: the statistic is computed regardless",
        catches=("chi_squared.rejects_bad_input",))
def no_input_check(X, y):
    X, k, C, O, n_k = _counts(X, y)
    E = np.outer(n_k / n_k.sum(), O.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = ((O - E) ** 2 / E).sum(axis=0)
    return s, stats.chi2.sf(s, C - 1)
