"""Flow matching, what is specific to the topic: the reference's path object and bad input, and the Gaussian closed
form's own consistency.  Invariants × implementations and the mutants run in tests/test_topics.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the flow topics need torch (install the 'flows' extra)")

from properties.oracles.flows import (gaussian_marginal_velocity, gaussian_min_loss,  # noqa: E402
                                      moment_matched_pairs, ot_path, ot_velocity)
from reference.flows.flow_matching import CondOTPath  # noqa: E402


def test_sample_carries_its_inputs_and_does_not_mutate_them():
    x0, x1, t = torch.zeros(3, 2, dtype=torch.float64), torch.ones(3, 2, dtype=torch.float64), torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    copies = [a.clone() for a in (x0, x1, t)]
    s = CondOTPath(0.1).sample(x0, x1, t)
    assert all(torch.equal(a, b) for a, b in zip((x0, x1, t), copies))
    assert torch.equal(s.x_0, x0) and torch.equal(s.t, t)
    torch.testing.assert_close(s.x_t[2], torch.ones(2, dtype=torch.float64))


@pytest.mark.parametrize("sigma", [1.0, -0.01, float("nan"), True, "0.1"])
def test_bad_sigma_min_is_named(sigma):
    with pytest.raises(ValueError, match="sigma_min"):
        CondOTPath(sigma)


def test_loss_rejects_a_field_of_the_wrong_shape():
    x = torch.zeros(2, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="v"):
        CondOTPath().loss(lambda xt, t: xt[:, :1], x, x, torch.full((2,), 0.5, dtype=torch.float64))


def test_moment_matched_pairs_have_the_gaussian_moments():
    m, s = np.array([0.5, -1.0]), 1.5
    x0, x1 = moment_matched_pairs(m, s)
    np.testing.assert_allclose(x0.mean(0), 0, atol=1e-15)
    np.testing.assert_allclose(x0.T @ x0 / len(x0), np.eye(2), atol=1e-15)
    np.testing.assert_allclose(x1.mean(0), m, atol=1e-15)
    np.testing.assert_allclose(np.cov(x1.T, bias=True), s * s * np.eye(2), atol=1e-14)
    np.testing.assert_allclose(x0.T @ (x1 - m) / len(x0), np.zeros((2, 2)), atol=1e-15)


def test_gaussian_closed_form_matches_monte_carlo():
    """The closed-form minimum against a large Monte Carlo estimate of E‖v*(x_t) − u‖² (a check of the oracle)."""
    rng = np.random.default_rng(1)
    m, s, sigma, t = np.array([1.0]), 0.7, 0.1, np.full(200_000, 0.4)
    x0, x1 = rng.standard_normal((200_000, 1)), m + s * rng.standard_normal((200_000, 1))
    xt = ot_path(x0, x1, t, sigma)
    resid = gaussian_marginal_velocity(xt, t, m, s, sigma) - ot_velocity(x0, x1, sigma)
    assert float(np.mean(np.sum(resid ** 2, 1))) == pytest.approx(gaussian_min_loss(t[:1], s, sigma, 1), rel=0.02)


def test_meta_flow_matching_speaks_the_contract_when_installed():
    """Meta's flow_matching (CC BY-NC 4.0: the opt-in `noncommercial` extra, never installed by default) against every
    invariant at σ_min = 0, the only value it offers; its validation gaps are the narrow records of META_IMPLEMENTATION."""
    pytest.importorskip("flow_matching", reason="Meta's flow_matching is opt-in (CC BY-NC 4.0): pip install '.[noncommercial]'")
    import dataclasses

    from properties.engine import get_topic, run_topic
    from properties.flows.flow_matching import META_IMPLEMENTATION

    topic = get_topic("flow_matching")
    with_meta = dataclasses.replace(topic, implementations=[META_IMPLEMENTATION])
    results = run_topic(with_meta, META_IMPLEMENTATION.spec)
    status = {r.invariant: r.status for r in results}
    assert status.pop("flow_matching.rejects_bad_input") == "xfail", [r.reason for r in results if r.category == "validation"]
    assert set(status.values()) == {"passed"}, {k: v for k, v in status.items() if v != "passed"}
    covered = {r.invariant: r.details["not_covered"] for r in results}
    assert covered["flow_matching.path_closed_form"] == {"sigma_min": ["0.01", "0.1"]}  # reported, as strings
