"""Oracles for the feature-engineering family, from first principles (never from ``reference/``).

* column statistics that ignore missing values (two-pass mean and ddof-0 variance, linearly interpolated
  quantiles, the most frequent value with ties to the smallest);
* univariate scores: χ² from contingency counts, the one-way ANOVA F (what ``scipy.stats.f_oneway``
  computes, two-pass), Pearson's r (what ``scipy.stats.pearsonr`` computes), the plug-in mutual
  information of a discrete feature and the class;
* polynomial monomials by brute force;
* LDA: the within-, between- and total-scatter matrices and the generalised eigenproblem
  S_B w = λ S_W w solved by ``scipy.linalg.eigh``.

Degenerate cases are decided exactly, on the data, never on a rounded intermediate: a column is
constant when its values are all equal (``np.ptp == 0``), not when a computed variance is small.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.linalg
from scipy import stats

# ----------------------------------------------------------------------------------- column statistics


def observed(column: np.ndarray) -> np.ndarray:
    """The non-missing values of one column."""
    column = np.asarray(column, dtype=np.float64)
    return column[~np.isnan(column)]


def mean_var(column: np.ndarray) -> tuple[float, float]:
    """Two-pass mean and ddof-0 variance of the observed values: x̄ = Σx/n, σ² = Σ(x − x̄)²/n."""
    x = observed(column)
    if x.size == 0:
        return math.nan, math.nan
    if np.ptp(x) == 0:
        return float(x[0]), 0.0
    mean = math.fsum(x) / x.size
    return mean, math.fsum((x - mean) ** 2) / x.size


def quantile(column: np.ndarray, q: float) -> float:
    """The q-quantile of the observed values with linear interpolation between order statistics:
    h = (n − 1)q, Q = x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋))."""
    x = np.sort(observed(column))
    if x.size == 0:
        return math.nan
    h = (x.size - 1) * q
    lo = int(math.floor(h))
    hi = min(lo + 1, x.size - 1)
    return float(x[lo] + (h - lo) * (x[hi] - x[lo]))


def most_frequent(column: np.ndarray) -> float:
    """The most frequent observed value; on a tie the smallest of the tied values."""
    x = observed(column)
    if x.size == 0:
        return math.nan
    values, counts = np.unique(x, return_counts=True)
    return float(values[np.flatnonzero(counts == counts.max())[0]])


def constant(column: np.ndarray) -> bool:
    x = observed(column)
    return x.size > 0 and np.ptp(x) == 0


# ------------------------------------------------------------------------------------ univariate scores


def classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted class labels and, for each row, the index of its class."""
    labels, index = np.unique(np.asarray(y), return_inverse=True)
    return labels, index.ravel()


def chi2_scores(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """χ² of each non-negative feature against the class, from contingency counts.

    O_kj = Σ_{i: yᵢ = k} X_ij (the mass of feature j in class k), E_kj = (n_k / n) · Σᵢ X_ij (that mass spread
    over the classes in proportion to their sizes); χ²_j = Σ_k (O_kj − E_kj)² / E_kj with C − 1 degrees of
    freedom (``scipy.stats.chisquare(O_j, E_j)`` per feature).  A feature that never occurs (Σᵢ X_ij = 0) has
    no defined score: NaN."""
    X = np.asarray(X, dtype=np.float64)
    _, index = classes(y)
    C = index.max() + 1
    counts = np.bincount(index, minlength=C).astype(np.float64)
    O = np.zeros((C, X.shape[1]))
    for k in range(C):
        O[k] = [math.fsum(col) for col in X[index == k].T]
    total = O.sum(axis=0)
    E = np.outer(counts / counts.sum(), total)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(total > 0, ((O - E) ** 2 / np.where(E > 0, E, 1.0)).sum(axis=0), np.nan)
    return chi2, stats.chi2.sf(chi2, C - 1)


def anova_f(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-way ANOVA F of each feature against the class (``scipy.stats.f_oneway`` per column).

    SS_B = Σ_k n_k (x̄_k − x̄)², SS_W = Σ_k Σ_{i∈k} (xᵢ − x̄_k)² (two-pass sums), F = (SS_B / (C − 1)) / (SS_W / (n − C)),
    p = P(F_{C−1, n−C} > F).  Exactly: F = +∞ (p = 0) when every class is constant but the classes differ,
    F = NaN when the whole column is constant."""
    X = np.asarray(X, dtype=np.float64)
    _, index = classes(y)
    n, C = X.shape[0], index.max() + 1
    F = np.empty(X.shape[1])
    for j, col in enumerate(X.T):
        groups = [col[index == k] for k in range(C)]
        if np.ptp(col) == 0:
            F[j] = math.nan
        elif all(np.ptp(g) == 0 for g in groups):
            F[j] = math.inf
        else:
            grand = math.fsum(col) / n
            means = [math.fsum(g) / g.size for g in groups]
            ssb = math.fsum(g.size * (m - grand) ** 2 for g, m in zip(groups, means))
            ssw = math.fsum(math.fsum((g - m) ** 2) for g, m in zip(groups, means))
            F[j] = (ssb / (C - 1)) / (ssw / (n - C))
    with np.errstate(invalid="ignore"):
        p = np.where(np.isinf(F), 0.0, stats.f.sf(F, C - 1, n - C))
    return F, p


def pearson_r(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r of each feature with y (``scipy.stats.pearsonr`` per column), two-pass:
    r = Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²).  Undefined for a constant feature or a constant y, where
    the contract (scikit-learn's ``force_finite=True``) asks for 0."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    yc = y - math.fsum(y) / y.size
    r = np.zeros(X.shape[1])
    if np.ptp(y) == 0:
        return r
    for j, col in enumerate(X.T):
        if np.ptp(col) == 0:
            continue
        xc = col - math.fsum(col) / col.size
        r[j] = math.fsum(xc * yc) / math.sqrt(math.fsum(xc * xc) * math.fsum(yc * yc))
    return np.clip(r, -1.0, 1.0)


def mutual_information(x: np.ndarray, y: np.ndarray) -> float:
    """Plug-in mutual information (nats) of a discrete feature and the class, from the contingency table:
    I = Σ_{a,k} p(a, k) log(p(a, k) / (p(a) p(k)))."""
    _, xi = np.unique(np.asarray(x), return_inverse=True)
    _, yi = classes(y)
    table = np.zeros((xi.max() + 1, yi.max() + 1))
    np.add.at(table, (xi.ravel(), yi), 1.0)
    p = table / table.sum()
    px, py = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float(max(math.fsum((p[nz] * np.log(p[nz] / (px @ py)[nz])).tolist()), 0.0))


def class_entropy(y: np.ndarray) -> float:
    """H(y) in nats: the largest mutual information any feature can have with the class."""
    _, index = classes(y)
    p = np.bincount(index) / index.size
    return float(-math.fsum((p * np.log(p)).tolist()))


# --------------------------------------------------------------------------------------------- polynomial


def monomial_powers(d: int, degree: int, interaction_only: bool, include_bias: bool) -> set[tuple[int, ...]]:
    """Every exponent vector p ∈ ℕ^d with 1 ≤ Σp ≤ degree (0 too with the bias), each pⱼ ≤ 1 when
    ``interaction_only``: by brute force over {0, …, degree}^d."""
    top = 1 if interaction_only else degree
    out = set()
    for p in itertools.product(range(top + 1), repeat=d):
        if (1 if not include_bias else 0) <= sum(p) <= degree:
            out.add(tuple(p))
    return out


def n_monomials(d: int, degree: int, interaction_only: bool, include_bias: bool) -> int:
    """C(d + degree, degree) monomials of degree ≤ degree in d variables (Σ_{k ≤ degree} C(d, k) with no
    powers above 1), one fewer without the bias."""
    n = (sum(math.comb(d, k) for k in range(min(degree, d) + 1)) if interaction_only
         else math.comb(d + degree, degree))
    return n - (0 if include_bias else 1)


# -------------------------------------------------------------------------------------------------- LDA


def scatter_matrices(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """S_W = Σ_k Σ_{i∈k} (xᵢ − μ_k)(xᵢ − μ_k)ᵀ, S_B = Σ_k n_k (μ_k − μ)(μ_k − μ)ᵀ, S_T = Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ
    (S_T = S_W + S_B), from class means μ_k and the grand mean μ."""
    X = np.asarray(X, dtype=np.float64)
    _, index = classes(y)
    mu = X.mean(axis=0)
    d = X.shape[1]
    Sw, Sb = np.zeros((d, d)), np.zeros((d, d))
    for k in range(index.max() + 1):
        Xk = X[index == k]
        mk = Xk.mean(axis=0)
        Sw += (Xk - mk).T @ (Xk - mk)
        Sb += Xk.shape[0] * np.outer(mk - mu, mk - mu)
    Xc = X - mu
    return Sw, Sb, Xc.T @ Xc


def fisher_directions(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The generalised eigenproblem S_B w = λ S_W w (``scipy.linalg.eigh``): eigenvalues descending and the
    eigenvectors as columns, normalised so that wᵀ (S_W / n) w = 1 (unit within-class variance)."""
    Sw, Sb, _ = scatter_matrices(X, y)
    lam, V = scipy.linalg.eigh(Sb, Sw)
    order = np.argsort(lam)[::-1]
    lam, V = lam[order], V[:, order]
    n = np.asarray(X).shape[0]
    V = V / np.sqrt(np.einsum("ij,ik,kj->j", V, Sw / n, V))
    return lam, V


def fisher_criterion(w: np.ndarray, Sw: np.ndarray, Sb: np.ndarray) -> float:
    """J(w) = wᵀ S_B w / wᵀ S_W w: between-class over within-class variance along w."""
    return float(w @ Sb @ w) / float(w @ Sw @ w)
