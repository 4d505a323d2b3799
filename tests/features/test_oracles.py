"""The family's oracles agree with the established formulas they stand for (scipy), on fixed data."""
import math

import numpy as np
import pytest
from scipy import stats

from properties.oracles.features import (anova_f, chi2_scores, class_entropy, fisher_criterion, fisher_directions,
                                         most_frequent, monomial_powers, mutual_information, n_monomials, pearson_r,
                                         quantile, scatter_matrices)

rng = np.random.default_rng(7)
X = rng.normal(size=(30, 4)) * [1.0, 10.0, 0.1, 3.0] + [0.0, 5.0, -2.0, 1e3]
y = np.repeat([2, 5, 9], 10)


def test_anova_f_is_scipy_f_oneway():
    F, p = anova_f(X, y)
    for j in range(X.shape[1]):
        res = stats.f_oneway(*[X[y == k, j] for k in (2, 5, 9)])
        assert F[j] == pytest.approx(res.statistic, rel=1e-12) and p[j] == pytest.approx(res.pvalue, rel=1e-9)


def test_anova_degenerate_columns():
    F, p = anova_f(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 2.0], [1.0, 2.0]]), np.array([0, 0, 1, 1]))
    assert math.isnan(F[0]) and math.isinf(F[1]) and p[1] == 0.0


def test_pearson_r_is_scipy_pearsonr():
    target = X[:, 0] * 2 + rng.normal(size=30)
    r = pearson_r(X, target)
    for j in range(X.shape[1]):
        assert r[j] == pytest.approx(stats.pearsonr(X[:, j], target).statistic, abs=1e-13)
    assert pearson_r(np.ones((3, 1)), np.array([1.0, 2.0, 4.0]))[0] == 0.0


def test_chi2_is_scipy_chisquare_of_the_contingency_counts():
    counts = rng.integers(0, 6, size=(30, 3)).astype(float)
    s, p = chi2_scores(counts, y)
    for j in range(3):
        observed = np.array([counts[y == k, j].sum() for k in (2, 5, 9)])
        expected = observed.sum() * np.array([10, 10, 10]) / 30
        res = stats.chisquare(observed, expected)
        assert s[j] == pytest.approx(res.statistic, rel=1e-12) and p[j] == pytest.approx(res.pvalue, rel=1e-9)
    assert np.isnan(chi2_scores(np.zeros((4, 1)), np.array([0, 0, 1, 1]))[0][0])


def test_mutual_information_is_entropy_identity():
    """I(a; k) = H(k) − H(k | a), computed from the joint counts."""
    a = np.array([0, 0, 1, 1, 2, 2, 2, 0])
    k = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    H = stats.entropy(np.bincount(k))
    cond = sum((a == v).mean() * stats.entropy(np.bincount(k[a == v], minlength=2)) for v in np.unique(a))
    assert mutual_information(a, k) == pytest.approx(H - cond, abs=1e-15)
    assert class_entropy(k) == pytest.approx(H)


def test_quantile_and_mode():
    x = np.array([3.0, 1.0, np.nan, 7.0, 5.0])
    for q in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0):
        assert quantile(x, q) == pytest.approx(np.nanpercentile(x, 100 * q), rel=1e-15)
    assert most_frequent(np.array([2.0, 1.0, 2.0, 1.0, 3.0])) == 1.0


@pytest.mark.parametrize("d, degree", [(1, 3), (2, 2), (3, 3), (4, 2)])
@pytest.mark.parametrize("interaction_only, include_bias", [(False, True), (True, True), (False, False), (True, False)])
def test_monomial_count(d, degree, interaction_only, include_bias):
    assert len(monomial_powers(d, degree, interaction_only, include_bias)) == n_monomials(d, degree, interaction_only, include_bias)


def test_fisher_directions_solve_the_generalised_eigenproblem():
    Sw, Sb, St = scatter_matrices(X, y)
    np.testing.assert_allclose(St, Sw + Sb, rtol=1e-10, atol=1e-9)
    lam, V = fisher_directions(X, y)
    np.testing.assert_allclose(Sb @ V, Sw @ V * lam, rtol=1e-8, atol=1e-8 * np.abs(Sb).max())
    np.testing.assert_allclose(V.T @ (Sw / X.shape[0]) @ V, np.eye(4), atol=1e-10)
    best = fisher_criterion(V[:, 0], Sw, Sb)
    assert best == pytest.approx(lam[0], rel=1e-10)
    for u in rng.normal(size=(50, 4)):
        assert fisher_criterion(u, Sw, Sb) <= best * (1 + 1e-12)
