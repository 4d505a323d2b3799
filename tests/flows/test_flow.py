"""Normalizing flows, what is specific to the topic: the reference's masks, odd dimensions and bad input, the planar
flow's invertibility condition, and the oracles' own numerics.  Invariants × implementations, cross-checks and
mutants run in tests/test_topics.py."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the flow topics need torch (install the 'flows' extra)")

from properties.oracles.flows import adaptive_integral, jacobians, log_abs_det, triangular_order  # noqa: E402
from reference.flows.autoregressive import MAF  # noqa: E402
from reference.flows.coupling import AdditiveCoupling, AffineCoupling  # noqa: E402
from reference.flows.flow import Compose, Flow  # noqa: E402
from reference.flows.linear import LULinear  # noqa: E402
from reference.flows.planar import Planar, Radial  # noqa: E402


def _x(seed, n=4, d=3):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("mask", ["alternate", "halves", "random", (True, False, False, True, False)])
def test_coupling_masks_round_trip_in_odd_dimension(mask):
    t = AffineCoupling(5, 3, mask=mask)
    x = _x(0, d=5)
    y = t(x)
    torch.testing.assert_close(t.inv(y), x, rtol=0, atol=1e-13)
    torch.testing.assert_close(y[:, t.mask], x[:, t.mask], rtol=0, atol=0)       # kept coordinates pass unchanged


def test_coupling_in_one_dimension_is_an_affine_map():
    t = AffineCoupling(1, 7)
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)[:, None]
    y = t(x)
    slope = (y[1:] - y[:-1]) / (x[1:] - x[:-1])
    torch.testing.assert_close(slope, slope[:1].expand_as(slope), rtol=1e-12, atol=0)
    torch.testing.assert_close(t.log_abs_det_jacobian(x, y), torch.log(slope[0]).expand(7), rtol=1e-12, atol=0)


def test_nice_preserves_volume():
    t = AdditiveCoupling(4, 2)
    x = _x(1, d=4)
    assert torch.equal(t.log_abs_det_jacobian(x, t(x)), torch.zeros(4, dtype=torch.float64))
    torch.testing.assert_close(log_abs_det(jacobians(t, x)), torch.zeros(4, dtype=torch.float64), rtol=0, atol=1e-14)


def test_maf_reversed_order_is_triangular_the_other_way():
    x = _x(2, d=4)
    assert triangular_order(jacobians(MAF(4, 0), x).numpy()) == [0, 1, 2, 3]
    assert triangular_order(jacobians(MAF(4, 0, order="reversed"), x).numpy()) == [3, 2, 1, 0]


def test_planar_raw_map_folds_exactly_when_the_constraint_is_violated():
    """Rezende & Mohamed, appendix A.1: f(z) = z + u tanh(wᵀz + b) is invertible iff wᵀu ≥ −1.  With wᵀu = −2 the raw
    map sends three points to 0; the reference's û (wᵀû = −1 + log(1 + e^{−2}) > −1) keeps it monotone along w."""
    raw = lambda z: z - 2 * math.tanh(z)  # noqa: E731  (1-D, w = 1, u = −2, b = 0)
    root = 1.9150080481545  # z = 2 tanh z
    assert abs(raw(root)) < 1e-12 and abs(raw(-root)) < 1e-12 and raw(0.0) == 0.0
    t = Planar(1, 0, u=[-2.0], w=[1.0], b=0.0)
    assert float(t.w @ t.u_hat()) == pytest.approx(-1 + math.log1p(math.exp(-2.0)), abs=1e-15)
    z = torch.linspace(-4, 4, 801, dtype=torch.float64)[:, None]
    assert bool((torch.diff(t(z)[:, 0]) > 0).all())


def test_radial_inverse_is_the_closed_form_root():
    t = Radial(3, 5)
    x = _x(3) * 3
    torch.testing.assert_close(t.inv(t(x)), x, rtol=0, atol=1e-13)


def test_lu_linear_reproduces_a_given_weight_and_its_log_det():
    W = torch.tensor([[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, -1.0]], dtype=torch.float64)
    t = LULinear(3, weight=W)
    torch.testing.assert_close(t.weight(), W, rtol=0, atol=1e-15)
    x = _x(4)
    torch.testing.assert_close(t.log_abs_det_jacobian(x, t(x)), torch.linalg.slogdet(W)[1].expand(4), rtol=0, atol=1e-14)


@pytest.mark.parametrize("W", [np.zeros((2, 2)), np.array([[1.0, 2.0], [2.0, 4.0]])])
def test_singular_lu_linear_names_the_weight(W):
    with pytest.raises(ValueError, match="weight"):
        LULinear(2, weight=W)


@pytest.mark.parametrize("make, param", [
    (lambda: AffineCoupling(0), "features"), (lambda: AffineCoupling(2.5), "features"), (lambda: MAF(3, -1), "seed"),
    (lambda: AffineCoupling(3, mask=(True, False)), "mask"), (lambda: AffineCoupling(3, mask="checkers"), "mask"),
    (lambda: Planar(2, w=[0.0, 0.0]), "w"), (lambda: Compose(2, parts=("nope",)), "parts"),
    (lambda: MAF(3, order="random"), "order"), (lambda: LULinear(2, weight=np.eye(3)), "weight"),
])
def test_bad_construction_names_the_parameter(make, param):
    with pytest.raises(ValueError, match=param):
        make()


@pytest.mark.parametrize("bad, param", [
    (torch.ones(2, 4, dtype=torch.float64), "x"), (torch.tensor([[float("nan"), 0.0, 1.0]]), "x"),
    (torch.tensor([[float("inf"), 0.0, 1.0]]), "x"), (torch.ones(3, dtype=torch.complex128), "x"),
])
def test_bad_points_name_the_argument(bad, param):
    for t in (AffineCoupling(3), MAF(3), Flow(3).transform):
        with pytest.raises(ValueError, match=rf"\b{param}\b"):
            t(bad)
    with pytest.raises(ValueError, match=r"\bx\b"):
        Flow(3).log_prob(bad)


def test_inverse_names_y_and_sigmoid_codomain():
    with pytest.raises(ValueError, match=r"\by\b"):
        MAF(3).inv(torch.ones(2, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="unit cube"):
        Compose(2, parts=("affine", "sigmoid")).inv(torch.full((1, 2), 2.0, dtype=torch.float64))


def test_flow_never_mutates_and_samples_reproducibly():
    f = Flow(3, 1)
    x = _x(5)
    copy = x.clone()
    f.log_prob(x)
    f.transform.inv(x)
    assert torch.equal(x, copy)
    a = f.sample((4,), generator=torch.Generator().manual_seed(9))
    b = f.sample((4,), generator=torch.Generator().manual_seed(9))
    assert a.shape == (4, 3) and torch.equal(a, b)


def test_adaptive_quadrature_on_known_integrals():
    gauss = lambda p: np.exp(-0.5 * (p ** 2).sum(1)) / (2 * np.pi) ** (p.shape[1] / 2)  # noqa: E731
    value, error, converged = adaptive_integral(gauss, [-9.0], [9.0], 1e-10, 10_000)
    assert converged and abs(value - 1) < 1e-10 and error < 1e-10
    kinked = lambda p: np.maximum(0.0, 1 - np.abs(p).sum(1))  # noqa: E731  (a pyramid of volume 2/3 in 2-D)
    value, error, _ = adaptive_integral(kinked, [-1.3, -1.1], [1.2, 1.4], 1e-6, 60_000, initial=4)
    assert abs(value - 2 / 3) <= error + 1e-12


def test_triangular_order_finds_a_cycle():
    J = np.zeros((1, 3, 3))
    J[0] = np.eye(3)
    J[0, 0, 2] = J[0, 2, 1] = 1.0
    assert triangular_order(J) == [1, 2, 0]
    J[0, 1, 0] = 1.0
    assert triangular_order(J) is None
