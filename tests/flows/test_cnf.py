"""Continuous normalizing flows, what is specific to the topic: the reference's sign conventions, probes, solvers and
bad input, and the oracles' Hutchinson bounds.  Invariants × implementations, the cross-check and the mutants run in
tests/test_topics.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the flow topics need torch (install the 'flows' extra)")

from properties.oracles.flows import (LinearField, gaussian_fourth_moment, hutchinson_variance,  # noqa: E402
                                      linear_flow_map, mean_deviation_bound, variance_deviation_bound)
from reference.flows.cnf import CNF  # noqa: E402

A = np.array([[-0.5, 1.0], [0.25, 1.5]])


def test_augmented_returns_the_papers_delta_and_the_transform_its_negative():
    field = LinearField(A, 1.0, 0.5)
    t = CNF(field, 0.0, 1.0)
    x = torch.ones(2, 2, dtype=torch.float64)
    z, delta = t.augmented(x)
    W = field.weight(0.0, 1.0)
    torch.testing.assert_close(delta, torch.full((2,), -W * np.trace(A), dtype=torch.float64), rtol=1e-12, atol=0)
    torch.testing.assert_close(t.log_abs_det_jacobian(x, z), -delta, rtol=0, atol=0)
    y, ladj = t.call_and_ladj(x)
    torch.testing.assert_close(ladj, -delta, rtol=0, atol=0)


@pytest.mark.parametrize("noise, values", [("gaussian", None), ("rademacher", {-1.0, 1.0})])
def test_probes_are_drawn_from_the_given_generator(noise, values):
    t = CNF(LinearField(A, 1.0, 0.0), exact=False, noise=noise, generator=torch.Generator().manual_seed(3))
    eps = t._probe(torch.zeros(1000, 2, dtype=torch.float64))
    if values:
        assert set(eps.unique().tolist()) == values
    t2 = CNF(LinearField(A, 1.0, 0.0), exact=False, noise=noise, generator=torch.Generator().manual_seed(3))
    assert torch.equal(t2._probe(torch.zeros(1000, 2, dtype=torch.float64)), eps)


def test_linear_field_hutchinson_estimates_are_exact_quadratic_forms():
    """With the probe held along the solve, each row's estimate is W εᵀAε to round-off (the rate is constant in t)."""
    g = torch.Generator().manual_seed(0)
    field = LinearField(A, 1.0, 0.0)
    t = CNF(field, exact=False, generator=g)
    x = torch.zeros(5, 2, dtype=torch.float64)
    ladj = t.log_abs_det_jacobian(x, x)
    eps = CNF(field, exact=False, generator=torch.Generator().manual_seed(0))._probe(x)
    torch.testing.assert_close(ladj, torch.einsum("ni,ij,nj->n", eps, torch.tensor(A), eps), rtol=1e-12, atol=1e-12)


def test_rk4_converges_at_fourth_order_and_dopri5_to_its_tolerance():
    field = LinearField(A, 0.5, 1.0)
    x = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    exact = x.numpy() @ linear_flow_map(A, field.weight(0.0, 1.0)).T
    err = [float(np.abs(CNF(field, 0.0, 1.0, steps=n)(x).numpy() - exact).max()) for n in (16, 32)]
    assert 12 < err[0] / err[1] < 20                       # 2⁴ = 16
    dopri = CNF(field, 0.0, 1.0, solver="dopri5")            # rtol 1e-9: the global error is a few local tolerances
    assert np.abs(dopri(x).numpy() - exact).max() < 10 * dopri.rtol * np.abs(exact).max()


@pytest.mark.parametrize("kwargs, param", [
    ({"noise": "uniform"}, "noise"), ({"solver": "euler"}, "solver"), ({"exact": 1}, "exact"), ({"steps": 0}, "steps"),
    ({"t1": float("nan")}, "t1"), ({"f": None}, "f"),
])
def test_bad_construction_names_the_parameter(kwargs, param):
    args = {"f": LinearField(A, 1.0, 0.0), **kwargs}
    with pytest.raises(ValueError, match=param):
        CNF(**args)


def test_field_of_the_wrong_shape_is_named():
    t = CNF(lambda s, z: z[:, :1], 0.0, 1.0)
    with pytest.raises(ValueError, match=r"f\(t, z\)"):
        t(torch.ones(2, 2, dtype=torch.float64))


def test_hutchinson_variances_and_bounds():
    """Var εᵀAε against a large sample (a sanity check of the formulas the invariants rest on), and the bounds'
    ordering: Rademacher probes have the smaller variance; the bounds shrink like 1/√N."""
    rng = np.random.default_rng(0)
    S = (A + A.T) / 2
    g = rng.standard_normal((400_000, 2))
    r = rng.choice([-1.0, 1.0], size=(400_000, 2))
    for eps, noise in ((g, "gaussian"), (r, "rademacher")):
        q = np.einsum("ni,ij,nj->n", eps, A, eps)
        assert q.mean() == pytest.approx(np.trace(A), abs=0.02)
        assert q.var() == pytest.approx(hutchinson_variance(A, noise), rel=0.02)
    assert hutchinson_variance(A, "rademacher") == pytest.approx(2 * (S ** 2).sum() - 2 * (np.diag(S) ** 2).sum())
    qg = np.einsum("ni,ij,nj->n", g, A, g) - np.trace(A)
    assert (qg ** 4).mean() == pytest.approx(gaussian_fourth_moment(A), rel=0.05)
    assert mean_deviation_bound(A, "gaussian", 40_000, 1e-6) < mean_deviation_bound(A, "gaussian", 10_000, 1e-6)
    assert variance_deviation_bound(A, "rademacher", 10_000, 1e-6)[0] == "mean"
    assert variance_deviation_bound(A, "gaussian", 10_000, 1e-6)[2] == 111
