"""Continuous normalizing flows: the augmented ODE, its exact trace and Hutchinson's estimator.

Contract (zuko's ``FreeFormJacobianTransform``, a ``torch.distributions.Transform``)::

    t = Cls(f, t0=0.0, t1=1.0, exact=True)      # f(t, z) -> dz/dt: t a 0-dim float64 tensor, z (n, d) float64
    t = Cls(f, t0, t1, exact=False, noise=...)  # [trace "hutchinson"] noise ∈ {"gaussian", "rademacher"} [axis noise]
    y = t(x)                                    # z(t1) of dz/dt = f(t, z), z(t0) = x, solved to ~1e-9 relative
    x = t.inv(y)                                # the same ODE integrated from t1 back to t0
    t.log_abs_det_jacobian(x, y)                # (n,): log|det ∂y/∂x| = ∫_{t0}^{t1} tr ∂f/∂z dt = −Δ(t1)
                                                # (torch's sign; Δ is the paper's log-density change)
    t.inv.log_abs_det_jacobian(y, x)            # = −t.log_abs_det_jacobian(x, y)

With ``exact=False`` the trace is Hutchinson's εᵀ(∂f/∂z)ε, one probe ε per row drawn once per solve from torch's
default generator and held fixed along it (FFJORD); the checks seed that generator.  Invalid input (a NaN or an inf
in x) raises ``ValueError`` naming ``x``.

Oracles (:mod:`properties.oracles.flows`): for a linear field f = c(t) A z the flow map is exp(W A) and ∫ tr = W tr A
(W = ∫ c dt), and a Gaussian is pushed forward exactly; for a smooth nonlinear field scipy's DOP853 at rtol = 1e-12
solves z and its variational equation dJ/dt = (∂f/∂z) J, and log|det J| is compared with the implementation's
∫ tr (Liouville's formula).  Hutchinson's estimator is judged on a linear field, where an estimate is W εᵀAε exactly,
by non-asymptotic tests of its mean and of its variance at false-alarm rate 1e-6.  Dimensions 1–3, times in [0, 1].
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import (Axis, Implementation, Tolerance, Topic, assert_close, assert_deterministic, assert_true,
                               call, crosscheck, expect_array, global_rng_seeded, invariant, option)
from properties.flows.flow_cases import expect_rejection, tensor
from properties.oracles.flows import (LinearField, MLPField, flow_map, gaussian_log_prob, linear_flow_map,
                                      mean_deviation_bound, second_moment_statistic, variance_deviation_bound)
from properties.oracles.flows import hutchinson_variance as probe_variance

TRACES = ("exact", "hutchinson")
NOISES = ("gaussian", "rademacher")
BAD_INPUTS = ("nan", "inf")


def _field_2d():
    return LinearField(np.array([[0.5, -1.0], [1.0, 0.25]]), 1.0, 0.0)


def _probe_trace(impl, trace):
    t = call(impl, _field_2d(), 0.0, 1.0, exact=trace == "exact")
    call(t.log_abs_det_jacobian, torch.zeros(1, 2, dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64))


def _probe_noise(impl, noise):
    t = call(impl, _field_2d(), 0.0, 1.0, exact=False, noise=noise)
    call(t.log_abs_det_jacobian, torch.zeros(1, 2, dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64))


ZUKO_HANGS = ("zuko's FreeFormJacobianTransform at atol = rtol = 1e-10.  It does not validate x, and a NaN or an inf "
              "in x never returns: zuko.utils.odeint's adaptive Dormand–Prince loop computes a NaN error norm, never "
              "accepts the step and shrinks dt by 0.1 forever (zuko 1.6.0, utils.py AdaptiveCheckpointAdjoint); so "
              "bad_input is declared unsupported rather than judged")

TOPIC = Topic(
    name="cnf",
    title="Continuous normalizing flows: augmented ODE, exact trace, Hutchinson's estimator",
    contract=__doc__,
    reference="reference.flows.cnf:CNF",
    implementations=[
        Implementation('reference.flows.cnf:CNF(solver="dopri5")', requires=("torchdiffeq",), precision="float64",
                       note="the reference's augmented ODE solved by torchdiffeq's adaptive dopri5 (rtol 1e-9)"),
        Implementation("properties.adapters.zuko_flows:FFJ", requires=("zuko",), precision="float64",
                       support={"noise": ["gaussian"], "bad_input": []}, note=ZUKO_HANGS),
    ],
    axes=(Axis("bad_input", BAD_INPUTS, "the non-finite inputs whose rejection is judged (an implementation that never "
               "returns on one declares it unsupported)"),
          Axis("trace", TRACES, "the trace of ∂f/∂z: exact, or Hutchinson's stochastic estimate (exact=False)",
               probe=_probe_trace),
          Axis("noise", NOISES, "the distribution of Hutchinson's probes", probe=_probe_noise)),
)

SOURCE = ("Chen, Rubanova, Bettencourt & Duvenaud, Neural ODEs (NeurIPS 2018), Thm 1; Grathwohl et al., FFJORD "
          "(ICLR 2019), eqs. 4 and 7")
TRACE = Tolerance(rtol=1e-5, atol=1e-5, reason="float32 accumulation of the trace along the solve",
                  float64=Tolerance(rtol=1e-9, atol=1e-9, reason="float64: tr ∂f/∂z of a linear field is c(t) tr A, "
                                    "linear in t, which RK4 and Dormand–Prince integrate exactly: round-off only"))
SOLVE = Tolerance(rtol=1e-4, atol=1e-4, reason="float32 solve",
                  float64=Tolerance(rtol=1e-7, atol=1e-7, reason="float64: the contract's solve accuracy ~1e-9 "
                                    "relative (RK4 with 64 steps on fields with ‖∂f/∂z‖ ≤ 2: (L h)⁴/120 ≈ 1e-8; "
                                    "dopri5 at rtol 1e-9, zuko at 1e-10); margin for error growth over [0, 1]"))


# ------------------------------------------------------------------------------------------ strategies


@st.composite
def linear_case(draw, dims=(1, 2, 3), rows=(1, 3)):
    """A linear field c(t) A z, A = τI + 0.3 B (|τ| ≥ 0.5: a trace the estimator must find), c = a + b t,
    an interval [t0, t1], points x and a Gaussian N(μ, Σ)."""
    d = draw(st.sampled_from(dims), label="d")
    seed = draw(st.integers(0, 2 ** 31 - 1), label="seed")
    rng = np.random.default_rng(seed)
    tau = draw(st.sampled_from([-1.0, -0.5, 0.5, 1.0]), label="τ")
    A = tau * np.eye(d) + 0.3 * rng.standard_normal((d, d))
    a = draw(st.sampled_from([0.5, 1.0]), label="a")
    b = draw(st.sampled_from([0.0, -0.5, 0.5]), label="b")
    t0, t1 = draw(st.sampled_from([(0.0, 1.0), (0.0, 0.5), (0.25, 1.0)]), label="[t0, t1]")
    n = draw(st.integers(*rows), label="n")
    L = 0.5 * rng.standard_normal((d, d))
    return {"d": d, "seed": seed, "A": A, "a": a, "b": b, "t0": t0, "t1": t1, "x": rng.uniform(-2, 2, (n, d)),
            "mu": rng.uniform(-1, 1, d), "Sigma": L @ L.T + 0.5 * np.eye(d)}


@st.composite
def mlp_case(draw, rows=(1, 3)):
    """f(t, z) = W₂ tanh(W₁ z + c t + b₁) with ‖W₂‖‖W₁‖ ≲ 1.5, points x and an interval."""
    d = draw(st.sampled_from([1, 2, 3]), label="d")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    h = 6
    field = (rng.standard_normal((h, d)) / np.sqrt(d), 0.5 * rng.standard_normal(h), rng.standard_normal(h),
             0.5 * rng.standard_normal((d, h)) / np.sqrt(h))
    n = draw(st.integers(*rows), label="n")
    t0, t1 = draw(st.sampled_from([(0.0, 1.0), (0.25, 1.0)]), label="[t0, t1]")
    return {"d": d, "field": field, "t0": t0, "t1": t1, "x": rng.uniform(-2, 2, (n, d))}


def build(impl, f, t0, t1, **kwargs):
    return call(impl, f, t0, t1, **kwargs)


def run(t, x: np.ndarray, what: str = "t(x)") -> np.ndarray:
    return expect_array(call(t, tensor(x)), name=what, shape=x.shape)


def log_det(t, x: np.ndarray, y: np.ndarray, what: str = "t.log_abs_det_jacobian(x, y)") -> np.ndarray:
    return expect_array(call(t.log_abs_det_jacobian, tensor(x), tensor(y)), name=what, shape=(x.shape[0],))


# ------------------------------------------------------------------------------------------ invariants


@invariant(TOPIC, "cnf.linear_field_log_det", statement="f = c(t) A z: log|det ∂y/∂x| = −Δ = W·tr A, W = ∫_{t0}^{t1} c(t) dt",
           why="The instantaneous change of variables integrates −tr ∂f/∂z = −c(t) tr A along the path, whatever the "
               "path; the forward log-det is its negative.  A wrong sign, a field evaluated at the wrong time or a "
               "wrong trace shows at once.",
           source=SOURCE, kind="tolerance", tolerance=TRACE, strategy=linear_case(), requires={"trace": ("exact",)},
           max_examples=3)
def linear_field_log_det(impl, data):
    field = LinearField(data["A"], data["a"], data["b"])
    t0, t1, x = data["t0"], data["t1"], data["x"]
    t = build(impl, field, t0, t1, exact=True)
    y = run(t, x)
    W = field.weight(t0, t1)
    assert_close(log_det(t, x, y), np.full(len(x), W * np.trace(data["A"])), what=f"log-det vs W·tr A (W = {W:.4g})")


@invariant(TOPIC, "cnf.gaussian_pushforward",
           statement="f = c(t) A z: y = e^{WA} x and log N(x; μ, Σ) − log|det| = log N(y; e^{WA}μ, e^{WA} Σ e^{WAᵀ})",
           why="A linear ODE maps x to M x with M = exp(W A), so a Gaussian stays Gaussian with the pushed mean and "
               "covariance; the CNF's density at y, log p₀(x) + Δ, must be that Gaussian's.",
           source=f"{SOURCE}; the matrix exponential solution of linear ODEs", kind="tolerance", tolerance=SOLVE,
           strategy=linear_case(), requires={"trace": ("exact",)}, max_examples=2)
def gaussian_pushforward(impl, data):
    field = LinearField(data["A"], data["a"], data["b"])
    t0, t1, x, mu, Sigma = data["t0"], data["t1"], data["x"], data["mu"], data["Sigma"]
    t = build(impl, field, t0, t1, exact=True)
    y = run(t, x)
    M = linear_flow_map(data["A"], field.weight(t0, t1))
    assert_close(y, x @ M.T, what="t(x) vs exp(W A) x")
    density = gaussian_log_prob(x, mu, Sigma) - log_det(t, x, y)
    assert_close(density, gaussian_log_prob(y, M @ mu, M @ Sigma @ M.T), what="log p₀(x) + Δ vs log N(y; Mμ, MΣMᵀ)")


@invariant(TOPIC, "cnf.liouville", statement="nonlinear f: y = z(t1) and log|det ∂y/∂x| = log|det J(t1)|, dJ/dt = (∂f/∂z) J",
           why="Liouville's formula: the determinant of the flow map's Jacobian, which solves the variational "
               "equation, has log equal to ∫ tr ∂f/∂z dt; the oracle solves z and J themselves (DOP853, rtol 1e-12), so "
               "the implementation's solve and trace are judged against the whole Jacobian.",
           source=f"{SOURCE}; Liouville's formula (Hartman, Ordinary Differential Equations, IV.1)", kind="tolerance",
           tolerance=SOLVE, strategy=mlp_case(), requires={"trace": ("exact",)}, max_examples=2)
def liouville(impl, data):
    field = MLPField(*data["field"])
    t0, t1, x = data["t0"], data["t1"], data["x"]
    t = build(impl, field, t0, t1, exact=True)
    y = run(t, x)
    y_ref, J = flow_map(field.numpy, field.numpy_jacobian, x, t0, t1)
    assert_close(y, y_ref, what="t(x) vs the oracle's solve")
    assert_close(log_det(t, x, y), np.linalg.slogdet(J)[1], what="log-det vs log|det J| of the variational equation")


@invariant(TOPIC, "cnf.round_trip", statement="t.inv(t(x)) = x and t.inv.log_abs_det_jacobian(y, x) = −t.log_abs_det_jacobian(x, y)",
           why="Integrating the same ODE backwards from t1 to t0 returns to the start (the flow map of a Lipschitz field "
               "is a diffeomorphism), and the backward log-det integrates the same trace with the opposite orientation.",
           source=SOURCE, kind="tolerance", tolerance=SOLVE, strategy=mlp_case(rows=(1, 2)),
           requires={"trace": ("exact",)}, max_examples=2)
def round_trip(impl, data):
    field = MLPField(*data["field"])
    t = build(impl, field, data["t0"], data["t1"], exact=True)
    x = data["x"]
    y = run(t, x)
    inv = call(getattr, t, "inv")
    assert_close(expect_array(call(inv, tensor(y)), name="t.inv(y)", shape=x.shape), x, what="t.inv(t(x))")
    back = expect_array(call(inv.log_abs_det_jacobian, tensor(y), tensor(x)), name="t.inv.log_abs_det_jacobian(y, x)",
                        shape=(len(x),))
    assert_close(back, -log_det(t, x, y), what="inverse log-det vs −forward log-det")


@invariant(TOPIC, "cnf.deterministic", statement="exact=True: t(x) and its log-det are identical under different global random states",
           why="The exact trace has nothing random in it; an implementation that draws (a stray Hutchinson probe, a "
               "random solver start) gives a different density for the same point.",
           source=SOURCE, kind="exact", tolerance=Tolerance(reason="bit-identical: the same computation twice"),
           strategy=linear_case(rows=(2, 2)), requires={"trace": ("exact",)}, max_examples=1)
def deterministic(impl, data):
    field, x = LinearField(data["A"], data["a"], data["b"]), data["x"]

    def once():
        t = build(impl, field, data["t0"], data["t1"], exact=True)
        y = run(t, x)
        return y, log_det(t, x, y)

    assert_deterministic(once, what="t(x) and its log-det with exact=True")


# --------------------------------------------------------------------------------------- Hutchinson

PROBES = 8_000
ALPHA = 1e-6


@st.composite
def hutchinson_case(draw):
    """A linear field with a dominant diagonal (so that Gaussian and Rademacher probes differ in variance), x = 0."""
    case = draw(linear_case(dims=(2, 3), rows=(1, 1)))
    case["noise"] = draw(option("noise", NOISES), label="noise")
    return case


def hutchinson_estimates(impl, data) -> tuple[np.ndarray, float]:
    field = LinearField(data["A"], data["a"], data["b"])
    t = build(impl, field, data["t0"], data["t1"], exact=False, noise=data["noise"])
    x = np.zeros((PROBES, data["d"]))
    with global_rng_seeded(data["seed"]):
        est = log_det(t, x, x, what=f"Hutchinson log-det of {PROBES} rows")
    return est, field.weight(data["t0"], data["t1"])


@invariant(TOPIC, "cnf.hutchinson_unbiased",
           statement=f"f = c(t) A z, x = 0, N = {PROBES} rows: |mean of the estimates − W tr A| ≤ W·u(α = 1e-6)",
           why="With one probe per row held along the solve, an estimate is W εᵀAε, and E εᵀAε = tr A for Gaussian and "
               "Rademacher probes; u is a non-asymptotic deviation bound for the mean of N iid quadratic forms "
               "(Hoeffding for Rademacher, Laurent–Massart for Gaussian), so a correct estimator fails with "
               "probability ≤ 1e-6 on the fixed seed.",
           source="Hutchinson (1990); Avron & Toledo (2011); Laurent & Massart (2000), Lemma 1; FFJORD eq. 7",
           kind="statistical", tolerance=Tolerance(reason="the deviation bound u is the test's threshold (false-alarm "
                                                  "1e-6 by design, fixed seed)"),
           strategy=hutchinson_case(), draws={"noise": None}, requires={"trace": ("hutchinson",)}, max_examples=2)
def hutchinson_unbiased(impl, data):
    est, W = hutchinson_estimates(impl, data)
    A = data["A"]
    u = abs(W) * mean_deviation_bound(A, data["noise"], PROBES, ALPHA)
    mean, target = float(est.mean()), W * float(np.trace(A))
    assert_true(abs(mean - target) <= u, f"mean of {PROBES} Hutchinson estimates {mean:.6g} vs W tr A = {target:.6g}: "
                                         f"|difference| {abs(mean - target):.3g} > bound {u:.3g} ({data['noise']} probes)")
    return {"compared": 1}


@invariant(TOPIC, "cnf.hutchinson_variance",
           statement=f"f = c(t) A z, x = 0, N = {PROBES}: the second moment of (estimate − W tr A) is W²·Var(εᵀAε) within a bound at α = 1e-6",
           why="Var(εᵀAε) = 2‖S‖²_F (Gaussian) or 2(‖S‖²_F − Σ S_ii²) (Rademacher), S = (A + Aᵀ)/2: a probe redrawn at "
               "every solver step, one probe shared by the whole batch, or the wrong probe distribution changes it.  "
               "Rademacher: Hoeffding on the bounded squares; Gaussian: median of ⌈8 ln 1e6⌉ group means with Chebyshev "
               "per group (heavy-tailed squares).",
           source="Avron & Toledo (2011), Lemmas 1–2; Lugosi & Mendelson (2019), median of means; FFJORD §3",
           kind="statistical", tolerance=Tolerance(reason="the second-moment test's bound is its threshold (false-alarm "
                                                  "1e-6 by design, fixed seed)"),
           strategy=hutchinson_case(), draws={"noise": None}, requires={"trace": ("hutchinson",)}, max_examples=2)
def hutchinson_variance_matches_theory(impl, data):
    est, W = hutchinson_estimates(impl, data)
    A, noise = data["A"], data["noise"]
    statistic, bound, groups = variance_deviation_bound(A, noise, PROBES, ALPHA)
    value = second_moment_statistic(est / W, float(np.trace(A)), statistic, groups)
    sigma2 = probe_variance(A, noise)
    assert_true(abs(value - sigma2) <= bound, f"second moment of the {noise} estimates / W: {value:.5g} vs theory "
                                              f"{sigma2:.5g}: |difference| {abs(value - sigma2):.3g} > bound {bound:.3g}")
    return {"compared": 1}


# ------------------------------------------------------------------------------------------- bad input


@st.composite
def bad_case(draw):
    case = draw(linear_case(rows=(2, 2)))
    case["bad"] = draw(option("bad_input", BAD_INPUTS), label="bad")
    return case


@invariant(TOPIC, "cnf.rejects_bad_input", statement="t(x) with a NaN or an inf in x → ValueError naming x",
           why="A non-finite start point makes the solver return NaN densities far from where the error was made.",
           source="the contract (validation policy)", kind="exact", category="validation", strategy=bad_case(),
           draws={"bad_input": None}, max_examples=2)
def rejects_bad_input(impl, data):
    t = build(impl, LinearField(data["A"], data["a"], data["b"]), data["t0"], data["t1"], exact=True)
    x = data["x"].copy()
    x[0, 0] = np.nan if data["bad"] == "nan" else np.inf
    expect_rejection(lambda: t(tensor(x)), "x", f"t(x) with {data['bad']} in x")


# ------------------------------------------------------------------------------------------ cross-check


@crosscheck(TOPIC, "cnf.crosscheck.solvers",
            statement="reference RK4 vs torchdiffeq's dopri5 vs zuko: the same y and log-det on a nonlinear field",
            why="Three solvers of the same augmented ODE must agree to their accuracy.",
            source="reference.flows.cnf (RK4, 64 steps) vs torchdiffeq.odeint(method='dopri5') vs "
                   "zuko.transforms.FreeFormJacobianTransform", tolerance=SOLVE, strategy=mlp_case(), max_examples=1,
            pairs=[("reference.flows.cnf:CNF", 'reference.flows.cnf:CNF(solver="dopri5")'),
                   ("reference.flows.cnf:CNF", "properties.adapters.zuko_flows:FFJ")])
def crosscheck_solvers(impl_a, impl_b, data):
    field = MLPField(*data["field"])
    x = data["x"]
    ta, tb = (build(i, field, data["t0"], data["t1"], exact=True) for i in (impl_a, impl_b))
    ya, yb = run(ta, x), run(tb, x)
    assert_close(yb, ya, what="t(x)")
    assert_close(log_det(tb, x, yb), log_det(ta, x, ya), what="log-det")
