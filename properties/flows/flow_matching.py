"""Flow matching: the conditional optimal-transport path, its target velocity and the conditional loss.

Contract (Meta's ``flow_matching`` ``CondOTProbPath`` API, generalised to σ_min).  That library is licensed CC BY-NC 4.0,
so it is not installed by default (the ``noncommercial`` extra installs it) and not registered here: with it installed,
``tests/flows/test_flow_matching.py`` validates it through ``properties.adapters.flow_matching_meta`` at σ_min = 0, the
only value it offers, with the records in ``META_IMPLEMENTATION``::

    path = Cls(sigma_min=σ)                 # 0 ≤ σ < 1  [axis sigma_min]
    s = path.sample(x_0=x0, x_1=x1, t=t)    # x0 (noise), x1 (data): (n, d) float64; t: (n,) in [0, 1]
    s.x_t                                   # (n, d): ψ_t = (1 − (1 − σ) t) x0 + t x1, differentiable in t
    s.dx_t                                  # (n, d): the conditional velocity u_t = x1 − (1 − σ) x0
    path.loss(v, x0, x1, t)                 # 0-dim: mean_i ‖v(x_t,i, t_i) − u_t,i‖², v(x, t) -> (n, d)

Invalid input raises ``ValueError`` naming the argument: σ outside [0, 1) (``sigma_min``), t outside [0, 1] (``t``),
x1 of another shape than x0 (``x_1``), a NaN in x0 (``x_0``).

Oracles (:mod:`properties.oracles.flows`): the path and velocity in closed form; dx_t/dt by autograd through the
implementation's own x_t; and for x0 ~ N(0, I), x1 ~ N(m, s²I) the minimiser of the loss — the marginal velocity
v*(x, t) = E[u_t | x_t = x], affine in x — and its minimal value, evaluated exactly on a batch whose empirical law
matches the two Gaussians' first and second moments (every pair of sign vectors): the loss of an affine field is
quadratic in (x0, x1), so its batch value is its expectation.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, Implementation, Tolerance, Topic, assert_close, assert_leq, call,
                               expect_array, expect_scalar, invariant, option)
from properties.flows.flow_cases import expect_rejection, tensor
from properties.oracles.flows import (gaussian_marginal_velocity, gaussian_min_loss, moment_matched_pairs,
                                      ot_path, ot_velocity)

SIGMAS = (0.0, 0.01, 0.1)


def _case(*cases):
    return lambda ex: ex.get("case") in cases


META = "Meta's flow_matching 1.0.10 (CondOTProbPath)"
META_RECORDS = (
    Expected("flow_matching.rejects_bad_input", f"{META} has no σ_min parameter at all: the adapter refuses every "
             "σ_min ≠ 0 with NotImplementedError (not offered), so an invalid σ_min is never the library's to reject",
             where="the bad-input cases σ_min ∈ {1.5, −0.1, 1.0}", when=_case("sigma_min"),
             match=r"raised NotImplementedError"),
    Expected("flow_matching.rejects_bad_input", f"{META} does not check t's range: t = 1.5 or −0.5 silently "
             "extrapolates the path (α_t = t, σ_t = 1 − t)", where="the bad-input case t ∉ [0, 1]", when=_case("t"),
             match="accepted"),
    Expected("flow_matching.rejects_bad_input", f"{META} checks only the batch sizes (with an assert): an x_1 with an "
             "extra column fails in the broadcast σ_t x_0 + α_t x_1 with RuntimeError, not a ValueError naming x_1",
             where="the bad-input case x_1 of another shape", when=_case("x_1"),
             match=r"raised RuntimeError\(The size of tensor"),
    Expected("flow_matching.rejects_bad_input", f"{META} does not validate values: a NaN in x_0 propagates into x_t "
             "and dx_t", where="the bad-input case NaN in x_0", when=_case("x_0"), match="accepted"),
)


META_IMPLEMENTATION = Implementation(
    "properties.adapters.flow_matching_meta:MetaCondOTPath", requires=("flow_matching",), precision="float64",
    expected=META_RECORDS, note="Meta's flow_matching CondOTProbPath (σ_min = 0 only; the loss is the adapter's glue)")


def _probe_sigma(impl, sigma):
    path = call(impl, sigma_min=sigma)
    call(path.sample, x_0=torch.zeros(1, 1, dtype=torch.float64), x_1=torch.ones(1, 1, dtype=torch.float64),
         t=torch.full((1,), 0.5, dtype=torch.float64))


TOPIC = Topic(
    name="flow_matching",
    title="Flow matching: conditional OT path, target velocity, loss",
    contract=__doc__,
    reference="reference.flows.flow_matching:CondOTPath",
    implementations=[],   # Meta's flow_matching is opt-in (CC BY-NC 4.0): see META_IMPLEMENTATION
    axes=(Axis("sigma_min", SIGMAS, "σ_min, the path's terminal noise scale", probe=_probe_sigma),),
)

SOURCE = "Lipman, Chen, Ben-Hamu, Nickel & Le, Flow matching for generative modeling (ICLR 2023), §4.1, eqs. 20–23"
ROUNDOFF = Tolerance(rtol=1e-5, atol=1e-5, reason="float32 arithmetic on values of size ≤ 10",
                     float64=Tolerance(rtol=1e-12, atol=1e-12, reason="float64: a few products and sums of values of "
                                       "size ≤ 10 (1 − (1 − σ) may differ from σ by an ulp)"))


@st.composite
def path_case(draw, rows=(1, 4)):
    d = draw(st.integers(1, 4), label="d")
    n = draw(st.integers(*rows), label="n")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    t = rng.uniform(0, 1, n)
    if draw(st.booleans(), label="endpoints_in_t"):
        t[: min(n, 2)] = [0.0, 1.0][: min(n, 2)]
    return {"sigma": draw(option("sigma_min", SIGMAS), label="sigma_min"), "x0": rng.standard_normal((n, d)),
            "x1": rng.uniform(-3, 3, (n, d)), "t": t}


def sample(impl, sigma, x0, x1, t, t_tensor=None):
    path = call(impl, sigma_min=sigma)
    s = call(path.sample, x_0=tensor(x0), x_1=tensor(x1), t=tensor(t) if t_tensor is None else t_tensor)
    return path, s


@invariant(TOPIC, "flow_matching.path_endpoints", statement="x_t = x0 at t = 0 and x_t = x1 + σ_min x0 at t = 1",
           why="The conditional OT path starts at the noise sample and ends in N(x1, σ_min² I), concentrated at x1.",
           source=f"{SOURCE} (eq. 20: μ₀ = 0, σ₀ = 1, μ₁ = x1, σ₁ = σ_min)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=path_case(), draws={"sigma_min": None}, max_examples=6)
def path_endpoints(impl, data):
    x0, x1, sigma = data["x0"], data["x1"], data["sigma"]
    n = len(x0)
    for t_end, expected in ((0.0, x0), (1.0, x1 + sigma * x0)):
        _, s = sample(impl, sigma, x0, x1, np.full(n, t_end))
        assert_close(expect_array(s.x_t, name="x_t", shape=x0.shape), expected, what=f"x_t at t = {t_end:g}")


@invariant(TOPIC, "flow_matching.path_closed_form", statement="x_t = (1 − (1 − σ_min) t) x0 + t x1 and dx_t = x1 − (1 − σ_min) x0",
           why="The conditional OT path is the straight line (a constant-speed OT displacement of the Gaussian "
               "N(t x1, (1 − (1 − σ_min)t)² I)), and its velocity is the constant x1 − (1 − σ_min) x0.",
           source=f"{SOURCE}, eqs. 22–23", kind="tolerance", tolerance=ROUNDOFF, strategy=path_case(),
           draws={"sigma_min": None}, max_examples=8)
def path_closed_form(impl, data):
    x0, x1, t, sigma = data["x0"], data["x1"], data["t"], data["sigma"]
    _, s = sample(impl, sigma, x0, x1, t)
    assert_close(expect_array(s.x_t, name="x_t", shape=x0.shape), ot_path(x0, x1, t, sigma), what="x_t")
    assert_close(expect_array(s.dx_t, name="dx_t", shape=x0.shape), ot_velocity(x0, x1, sigma), what="dx_t")


@invariant(TOPIC, "flow_matching.velocity_is_time_derivative", statement="∂x_t/∂t (autograd through the implementation's x_t) = dx_t",
           why="The target velocity is by definition the time derivative of the conditional path; autograd "
               "differentiates the implementation's own x_t, independently of its dx_t (a target built for another "
               "path — t and 1 − t swapped, σ_min dropped from one of the two — disagrees).",
           source=f"{SOURCE}, eq. 23 (u_t = d/dt ψ_t)", kind="tolerance", tolerance=ROUNDOFF, strategy=path_case(),
           draws={"sigma_min": None}, max_examples=8)
def velocity_is_time_derivative(impl, data):
    x0, x1, t, sigma = data["x0"], data["x1"], data["t"], data["sigma"]
    t_var = tensor(t).requires_grad_(True)
    _, s = sample(impl, sigma, x0, x1, t, t_tensor=t_var)
    x_t = s.x_t
    if not (torch.is_tensor(x_t) and x_t.requires_grad):
        raise AssertionError("x_t is not differentiable in t (the contract asks for a torch expression of t)")
    # row i of x_t depends on t_i alone, so d/dt of the column sums gives every row's derivative
    dxdt = np.stack([torch.autograd.grad(x_t[:, j].sum(), t_var, retain_graph=True)[0].detach().numpy()
                     for j in range(x0.shape[1])], axis=1)
    assert_close(expect_array(s.dx_t, name="dx_t", shape=x0.shape), dxdt, what="dx_t vs ∂x_t/∂t by autograd")


def _affine_field(K: np.ndarray, c: np.ndarray):
    """v(x, t) = x Kᵀ + c (a field the loss is quadratic in)."""
    K_t, c_t = torch.tensor(K), torch.tensor(c)
    return lambda x, t: x @ K_t.T + c_t


@invariant(TOPIC, "flow_matching.loss_nonnegative", statement="loss(v) ≥ 0, and loss(v) = 0 for n = 1 and v ≡ u_t",
           why="The loss is a mean of squared norms; a field that returns the conditional velocity of the one pair "
               "matches it exactly.",
           source=f"{SOURCE}, eq. 23", kind="tolerance", tolerance=ROUNDOFF, strategy=path_case(), draws={"sigma_min": None},
           max_examples=6)
def loss_nonnegative(impl, data):
    x0, x1, t, sigma = data["x0"], data["x1"], data["t"], data["sigma"]
    path = call(impl, sigma_min=sigma)
    d = x0.shape[1]
    rng = np.random.default_rng(len(x0) * 7 + d)
    v = _affine_field(rng.standard_normal((d, d)), rng.standard_normal(d))
    L = expect_scalar(call(path.loss, v, tensor(x0), tensor(x1), tensor(t)), name="loss(v)")
    assert_leq(0.0, L, what="0 ≤ loss(v)")
    u = torch.tensor(ot_velocity(x0[:1], x1[:1], sigma))
    zero = expect_scalar(call(path.loss, lambda x, tt: u, tensor(x0[:1]), tensor(x1[:1]), tensor(t[:1])),
                         name="loss(u) for one pair")
    assert_close(zero, 0.0, what="loss of the exact conditional velocity, one pair")


@st.composite
def gaussian_case(draw):
    d = draw(st.integers(1, 2), label="d")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    return {"sigma": draw(option("sigma_min", SIGMAS), label="sigma_min"), "m": rng.uniform(-2, 2, d),
            "s": float(draw(st.sampled_from([0.5, 1.0, 2.0]), label="s")),
            "ts": np.sort(rng.uniform(0.05, 0.95, 3)), "K": 0.5 * rng.standard_normal((d, d)),
            "c": 0.5 * rng.standard_normal(d)}


@invariant(TOPIC, "flow_matching.loss_minimised_by_marginal_velocity",
           statement="x0 ~ N(0, I), x1 ~ N(m, s²I): loss(v*) = d·(Var u − Cov(u, x_t)²/Var x_t) and loss(v* + δ) = loss(v*) + E‖δ‖²",
           why="The conditional loss differs from the marginal one by a constant, so it is minimised by the marginal "
               "velocity v* = E[u_t | x_t], affine in x for Gaussians; its minimum is the residual variance of u after "
               "regressing on x_t, and any affine perturbation δ adds exactly E‖δ(x_t)‖² (the cross term vanishes).  "
               "On the moment-matched batch these expectations are exact.",
           source=f"{SOURCE}, Thm 2 (∇L_FM = ∇L_CFM); Gaussian conditioning", kind="tolerance", tolerance=ROUNDOFF,
           strategy=gaussian_case(), draws={"sigma_min": None}, max_examples=8)
def loss_minimised_by_marginal_velocity(impl, data):
    sigma, m, s, ts, K, c = data["sigma"], data["m"], data["s"], data["ts"], data["K"], data["c"]
    d = len(m)
    x0, x1 = moment_matched_pairs(m, s)
    reps = len(x0)
    X0, X1, T = np.tile(x0, (len(ts), 1)), np.tile(x1, (len(ts), 1)), np.repeat(ts, reps)
    path = call(impl, sigma_min=sigma)

    def v_star(x, t):
        return torch.tensor(gaussian_marginal_velocity(x.detach().numpy(), t.detach().numpy(), m, s, sigma))

    L_star = expect_scalar(call(path.loss, v_star, tensor(X0), tensor(X1), tensor(T)), name="loss(v*)")
    assert_close(L_star, gaussian_min_loss(ts, s, sigma, d), what="loss at the marginal velocity vs the closed form")
    K_t, c_t = torch.tensor(K), torch.tensor(c)
    perturbed = expect_scalar(call(path.loss, lambda x, t: v_star(x, t) + x @ K_t.T + c_t, tensor(X0), tensor(X1),
                                   tensor(T)), name="loss(v* + δ)")
    x_t = ot_path(X0, X1, T, sigma)
    extra = float(np.mean(np.sum((x_t @ K.T + c) ** 2, axis=1)))
    assert_close(perturbed, L_star + extra, what="loss(v* + δ) − loss(v*) vs E‖δ(x_t)‖²")


@st.composite
def bad_case(draw):
    case = draw(st.sampled_from(["sigma_min", "t", "x_1", "x_0"]), label="case")
    return {"case": case, "value": draw(st.sampled_from({"sigma_min": [1.5, -0.1, 1.0], "t": [1.5, -0.5],
                                                         "x_1": ["extra column"], "x_0": ["nan"]}[case]), label="bad")}


@invariant(TOPIC, "flow_matching.rejects_bad_input",
           statement="σ_min ∉ [0, 1), t ∉ [0, 1], x1 of another shape, NaN in x0 → ValueError naming the argument",
           why="Each bad value yields a path that is no longer the conditional OT path (σ_min ≥ 1 reverses it, t > 1 "
               "extrapolates, broadcasting pairs the wrong rows) without any error downstream.",
           source="the contract (validation policy)", kind="exact", category="validation", strategy=bad_case(),
           max_examples=12)
def rejects_bad_input(impl, data):
    case, value = data["case"], data["value"]
    x0, x1, t = np.zeros((3, 2)), np.ones((3, 2)), np.full(3, 0.5)
    if case == "sigma_min":
        expect_rejection(lambda: impl(sigma_min=value).sample(x_0=tensor(x0), x_1=tensor(x1), t=tensor(t)),
                         "sigma_min", f"sigma_min = {value}")
        return
    path = call(impl, sigma_min=0.0)
    if case == "t":
        t = np.array([0.5, value, 0.5])
    elif case == "x_1":
        x1 = np.ones((3, 3))
    else:
        x0 = x0.copy()
        x0[1, 0] = np.nan
    expect_rejection(lambda: path.sample(x_0=tensor(x0), x_1=tensor(x1), t=tensor(t)), case, f"{case} = {value}")
