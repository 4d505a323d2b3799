"""Univariate scores of each feature against the target, as scikit-learn's ``feature_selection`` computes them.

    chi2                 χ²_j = Σ_k (O_kj − E_kj)² / E_kj,  O_kj = Σ_{i∈k} X_ij,  E_kj = (n_k/n)·Σᵢ X_ij;  C − 1 dof
    f_classif            F_j = (SS_B / (C − 1)) / (SS_W / (n − C))   (one-way ANOVA)
    r_regression         r_j = Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²)   (0 for a constant feature or target)
    mutual_info_classif  I_j = Σ_{a,k} p(a, k) log(p(a, k) / (p(a) p(k)))   for discrete features (nats)

Sums of squares are taken about the means (two passes): the one-pass form Σx² − (Σx)²/n cancels to noise
when the data sit far from 0.  A degenerate column is recognised on the data, exactly: F = NaN for a
constant column, +∞ for one constant within every class (but not overall).
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from reference.features.base import check_array, check_labels


def _classes(X, y):
    X = check_array(X)
    y = check_labels(y, X.shape[0])
    labels, index = np.unique(y, return_inverse=True)
    if labels.size < 2:
        raise ValueError(f"y must hold at least 2 classes, got {labels.size}")
    return X, index.ravel(), labels.size


def chi2(X, y):
    X, k, C = _classes(X, y)
    if (X < 0).any():
        raise ValueError("X must be non-negative for chi2 (counts or frequencies)")
    n_k = np.bincount(k, minlength=C).astype(np.float64)
    # O_kj = Σ_{i∈k} X_ij
    O = np.stack([X[k == c].sum(axis=0) for c in range(C)])
    # E_kj = (n_k / n)·Σᵢ X_ij
    E = np.outer(n_k / n_k.sum(), O.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        # χ²_j = Σ_k (O_kj − E_kj)² / E_kj   (NaN for a feature that never occurs)
        score = ((O - E) ** 2 / E).sum(axis=0)
    return score, stats.chi2.sf(score, C - 1)


def f_classif(X, y):
    X, k, C = _classes(X, y)
    n = X.shape[0]
    if n <= C:
        raise ValueError(f"X must have more rows than classes for the within-class degrees of freedom, got n={n}, C={C}")
    F = np.empty(X.shape[1])
    for j, x in enumerate(X.T):
        groups = [x[k == c] for c in range(C)]
        if x.max() == x.min():
            F[j] = np.nan
            continue
        if all(g.max() == g.min() for g in groups):
            F[j] = np.inf
            continue
        grand = x.mean()
        # SS_B = Σ_k n_k (x̄_k − x̄)²,  SS_W = Σ_k Σ_{i∈k} (xᵢ − x̄_k)²
        ss_b = sum(g.size * (g.mean() - grand) ** 2 for g in groups)
        ss_w = sum(((g - g.mean()) ** 2).sum() for g in groups)
        # F = (SS_B / (C − 1)) / (SS_W / (n − C))
        F[j] = (ss_b / (C - 1)) / (ss_w / (n - C))
    with np.errstate(invalid="ignore"):
        p = np.where(np.isinf(F), 0.0, stats.f.sf(F, C - 1, n - C))
    return F, p


def r_regression(X, y):
    X = check_array(X)
    y = check_array(np.asarray(y, dtype=np.float64).reshape(-1, 1), "y").ravel()
    if y.size != X.shape[0]:
        raise ValueError(f"y must have one value per row of X ({X.shape[0]}), got {y.size}")
    r = np.zeros(X.shape[1])
    if y.max() == y.min():
        return r
    yc = y - y.mean()
    for j, x in enumerate(X.T):
        if x.max() == x.min():
            continue
        xc = x - x.mean()
        # r = Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²)
        r[j] = (xc @ yc) / np.sqrt((xc @ xc) * (yc @ yc))
    return np.clip(r, -1.0, 1.0)


def mutual_info_classif(X, y, *, discrete_features=True, random_state=None):
    if discrete_features is not True:
        raise ValueError(f"discrete_features must be True (this reference estimates the mutual information of "
                         f"discrete features only), got {discrete_features!r}")
    X, k, C = _classes(X, y)
    out = np.empty(X.shape[1])
    for j, x in enumerate(X.T):
        _, a = np.unique(x, return_inverse=True)
        table = np.zeros((a.max() + 1, C))
        np.add.at(table, (a.ravel(), k), 1.0)
        p = table / table.sum()
        pa, pk = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
        nz = p > 0
        # I = Σ p(a, k) log(p(a, k) / (p(a) p(k)))
        out[j] = max(float((p[nz] * np.log(p[nz] / (pa @ pk)[nz])).sum()), 0.0)
    return out
