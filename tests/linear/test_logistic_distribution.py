"""The logistic distribution, what is specific to the topic: the reference's bad input, known values, and rvs'
random_state.  Invariants × implementations and the mutants run in tests/test_topics.py."""
import numpy as np
import pytest

from reference.linear.logistic_distribution import logistic


@pytest.mark.parametrize("method", ["pdf", "logpdf", "cdf", "sf"])
@pytest.mark.parametrize("loc, scale, param", [(0.0, 0.0, "scale"), (0.0, -2.0, "scale"), (0.0, np.nan, "scale"),
                                               (0.0, np.inf, "scale"), (np.inf, 1.0, "loc"), (np.nan, 1.0, "loc")])
def test_bad_parameters_name_the_parameter(method, loc, scale, param):
    with pytest.raises(ValueError, match=param):
        getattr(logistic, method)(0.5, loc=loc, scale=scale)


@pytest.mark.parametrize("q", [-0.1, 1.5, np.nan])
def test_ppf_outside_the_unit_interval(q):
    with pytest.raises(ValueError, match="q"):
        logistic.ppf(q)


def test_known_values():
    assert logistic.pdf(0.0) == 0.25
    assert logistic.cdf(0.0) == 0.5
    assert logistic.ppf(0.5, loc=3.0, scale=2.0) == 3.0
    assert logistic.ppf(0.0) == -np.inf and logistic.ppf(1.0) == np.inf
    np.testing.assert_allclose(logistic.var(scale=2.0), 4 * np.pi ** 2 / 3, rtol=1e-15)
    np.testing.assert_allclose(logistic.cdf(np.log(3.0)), 0.75, rtol=1e-15)       # σ(log 3) = 3/4


def test_rvs_reproducible_from_a_seed_or_a_generator():
    a = logistic.rvs(loc=1.0, scale=2.0, size=5, random_state=7)
    np.testing.assert_array_equal(a, logistic.rvs(loc=1.0, scale=2.0, size=5, random_state=7))
    np.testing.assert_array_equal(a, logistic.rvs(loc=1.0, scale=2.0, size=5, random_state=np.random.default_rng(7)))
    assert not np.array_equal(a, logistic.rvs(loc=1.0, scale=2.0, size=5, random_state=8))
