"""PCA, what is specific to the topic: the reference's bad input, overflow, no mutation, small-scale data.
Invariants × implementations (both solvers), the cross-check and the mutants run in tests/test_topics.py."""
import numpy as np
import pytest

from reference.decomposition.pca import PCA


X = np.arange(12.0).reshape(4, 3) ** 1.5


@pytest.mark.parametrize("bad, param", [
    (np.array([[1.0, np.nan], [2.0, 3.0]]), "X"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), "X"),
    (np.ones(3), "X"),
    (np.empty((0, 3)), "X"),
    (np.ones((1, 3)), "X"),
])
def test_bad_data_names_the_parameter(bad, param):
    with pytest.raises(ValueError, match=param):
        PCA(1).fit(bad)


@pytest.mark.parametrize("k", [0, -1, 4, 2.5, True])
def test_bad_n_components(k):
    with pytest.raises(ValueError, match="n_components"):
        PCA(k).fit(X)


def test_fit_does_not_mutate_input():
    Xc = X.copy()
    est = PCA(2).fit(Xc)
    est.inverse_transform(est.transform(Xc))
    np.testing.assert_array_equal(Xc, X)


def test_transform_checks_feature_count():
    with pytest.raises(ValueError, match="features"):
        PCA(2).fit(X).transform(np.ones((2, 4)))


def test_overflowing_data_is_a_clear_error():
    with pytest.raises(ValueError, match="X is too large"):
        PCA(1).fit(np.array([[1e300, -1e300], [-1e300, 1e300], [1e300, 1e300]]))


def test_small_data_is_judged_relative_to_its_own_spread():
    """Review finding: with the unit floored at 1, a covariance scaled by 2/3 passed on X = [0, 1, 3]·3e-5."""
    from properties.engine import check_example, find_invariant
    from tests.zoo.decomposition.pca import BiasedCovariance

    inv = find_invariant("pca.variance_is_top_eigenvalues")
    X = np.array([[0.0], [1.0], [3.0]]) * 3e-5
    with pytest.raises(AssertionError, match="explained_variance_"):
        check_example(inv, BiasedCovariance, {"X": X, "k": 1})           # n = 3: λ·(n−1)/n = λ·2/3
    assert check_example(inv, PCA, {"X": X, "k": 1}) is None
