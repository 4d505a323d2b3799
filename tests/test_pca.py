"""PCA: every invariant against the reference and scikit-learn, the cross-check, the mutants, bad input."""
import numpy as np
import pytest

from properties.testing import parametrize_crosschecks, parametrize_with_invariants
from reference.pca import PCA
from tests.zoo import assert_caught, assert_every_invariant_has_teeth, parametrize_mutants

IMPLEMENTATIONS = ["reference.pca:PCA", "sklearn.decomposition:PCA"]


@parametrize_with_invariants("pca", IMPLEMENTATIONS)
def test_invariant(impl, check):
    check(impl)


@parametrize_with_invariants("pca", ["reference.pca:PCA"], only=["pca.variance_is_top_eigenvalues", "pca.scores_decorrelated"])
def test_eigh_solver_agrees(impl, check):
    """The covariance-eigendecomposition route satisfies the same invariants as the SVD route."""
    check(lambda n_components: PCA(n_components, method="eigh"))


@parametrize_crosschecks("pca")
def test_crosscheck(crosscheck):
    crosscheck()


@parametrize_mutants("pca")
def test_mutant_is_caught(mutant):
    assert_caught(mutant)


def test_every_invariant_has_teeth():
    assert_every_invariant_has_teeth("pca")


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
