"""f_classif mutants: the reference's formula with one bug each."""
from __future__ import annotations

import numpy as np
from scipy import stats

from reference.features import univariate
from tests.zoo import mutant


@mutant("f_classif", bug="the within-class mean square divides by n instead of n − C", catches=("f_classif.matches_anova",))
def within_by_n(X, y):
    F, _ = univariate.f_classif(X, y)
    n, C = np.asarray(X).shape[0], len(np.unique(y))
    F = F * n / (n - C)
    return F, np.where(np.isinf(F), 0.0, stats.f.sf(F, C - 1, n - C))


@mutant("f_classif", bug="no input validation: NaN flows into the sums and comes out as a NaN score",
        catches=("f_classif.rejects_bad_input",))
def no_nan_check(X, y):
    X = np.asarray(X, dtype=np.float64)
    _, k = np.unique(y, return_inverse=True)
    C, n = k.max() + 1, X.shape[0]
    means = np.stack([X[k == c].mean(axis=0) for c in range(C)])
    sizes = np.bincount(k)[:, None]
    ssb = (sizes * (means - X.mean(axis=0)) ** 2).sum(axis=0)
    ssw = sum(((X[k == c] - means[c]) ** 2).sum(axis=0) for c in range(C))
    with np.errstate(divide="ignore", invalid="ignore"):
        F = (ssb / (C - 1)) / (ssw / (n - C))
    return F, stats.f.sf(F, C - 1, n - C)
