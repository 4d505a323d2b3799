"""Score SDEs: invariants of the VP, sub-VP and VE SDEs and of the samplers that reverse them.

Contract, part 1 — the SDE (score_sde's ``sde_lib``, github.com/yang-song/score_sde_pytorch ``sde_lib.py``)::

    sde = Cls(beta_min=0.1, beta_max=20.0, N=1000)      # kind "vp" and "subvp"
    sde = Cls(sigma_min=0.01, sigma_max=50.0, N=1000)   # kind "ve"
    sde.T, sde.N                             # end time (1.0) and number of discretisation steps
    sde.beta_0, sde.beta_1 | sde.sigma_min, sde.sigma_max   # the parameters, score_sde's attribute names
    sde.sde(x, t) -> (f, g)                  # x (B, d) float64 tensor, t (B,) in [0, T]; drift f (B, d), diffusion g (B,)
    sde.marginal_prob(x0, t) -> (mean, std)  # x_t | x_0 ~ N(mean, std² I): mean (B, d), std (B,)
    sde.prior_sampling(shape, generator=g)   # torch.randn(shape, generator=g, dtype=float64) · σ_T (σ_T = 1, or σ_max for VE)
    sde.prior_logp(z) -> (B,)                # log N(z; 0, σ_T² I)
    sde.discretize(x, t) -> (f_i, G_i)       # x_{i+1} = x_i + f_i + G_i z at step i = ⌊t (N−1)/T⌋ (VP: DDPM's chain,
                                             # VE: SMLD's, sub-VP: Euler–Maruyama over T/N)
    rsde = sde.reverse(score_fn, probability_flow=False)   # score_fn(x, t) -> ∇ log p_t(x), (B, d)
    rsde.sde(x, t) -> (f − g² s, g)  or, with probability_flow, (f − ½ g² s, 0)
    rsde.discretize(x, t) -> (f_i − G_i² s, G_i)  or (f_i − ½ G_i² s, 0)

The one change to score_sde: ``prior_sampling`` takes a ``torch.Generator`` (the draw above), so that a sample is
reproducible without the global RNG.  Bad input — a negative or NaN β or σ, σ_max ≤ σ_min, t outside [0, T] or NaN,
a NaN x — raises ``ValueError`` naming the parameter.  An implementation is one family: it declares
``invariants_support = {"kind": ["vp"], "operations": ["sde"]}`` (or ``--support kind=vp``).

Contract, part 2 — the samplers (the smallest contract that the reference kit and the library-backed ones satisfy):
a kit ``k = Cls()`` offers some of these methods (the ``operations`` axis); each takes an SDE as above and a score
function, noise from a ``torch.Generator`` as z = ``torch.randn(x.shape, generator=g, dtype=x.dtype)`` (step
functions), or from a Brownian motion ``bm(s, u) = W(u) − W(s)`` on the reversed clock s = −t (torchsde's
``BrownianInterval`` interface; the whole Euler–Maruyama path), and returns float tensors::

    k.euler_maruyama(sde, score_fn, x, ts, bm, probability_flow=False) -> x      # ts strictly decreasing in (0, T];
        # x_{i+1} = x_i + f̄(x_i, t_i)(t_{i+1} − t_i) + g(t_i) bm(−t_i, −t_{i+1})   (reverse SDE, Song et al. eq. 6)
    k.euler_maruyama_step(sde, score_fn, x, t, dt, generator, probability_flow=False) -> (x, x_mean)   # dt < 0
    k.reverse_diffusion_step(sde, score_fn, x, t, generator, probability_flow=False) -> (x, x_mean)
        # (rev_f, rev_G) = sde.reverse(score_fn, pf).discretize(x, t);  x_mean = x − rev_f;  x = x_mean + rev_G z
    k.langevin_step(sde, score_fn, x, t, snr, generator) -> (x, x_mean)
        # ε = 2 (snr · mean‖z‖ / mean‖s‖)² (norms per sample, averaged over the batch), x_mean = x + ε s,
        # x = x_mean + √(2ε) z   (Algorithm 4/5 with α = 1, as score_sde's VE corrector and diffusers' step_correct)
    k.predictor_corrector(sde, score_fn, x, eps, snr, n_corrector, generator, denoise=True) -> x
        # at each t of linspace(T, eps, N): n_corrector langevin_steps, then one reverse_diffusion_step (this draw
        # order); returns the last x_mean (denoise) or x
    k.ode(sde, score_fn, x, ts, method="euler" | "heun") -> x       # probability-flow ODE, fixed steps on ts (either way)
    k.ode_adaptive(sde, score_fn, x, t0, t1, rtol, atol) -> x       # adaptive, t0 → t1 (either way)
    k.likelihood(sde, score_fn, x, eps, rtol, atol) -> (B,)         # log p_ε(x) in nats through the ODE, exact trace

Times of a sampler lie in (0, T] (the score is singular at t = 0); outside, or NaN, raise ``ValueError`` naming the
parameter (``ts``, ``t``, ``t0``, ``t1``, ``eps``).  Samplers are judged on the closed-form SDE of
``properties.oracles.sde`` (the ``kind`` option picks the family), so a sampler's verdict does not depend on any
SDE it ships with.  Scores come from closed forms: the exact score of Gaussian data or a Gaussian mixture under
the family, or a fixed smooth nonlinear function where only the arithmetic of a drift is checked.

Out of scope: score_sde's corrector step size α_i = 1 − β_i for VP (α = 1 here, the VE rule), its Hutchinson trace
estimator, data scalers and bits/dim, and discretisations other than the three above.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion.sde_cases import (DEFAULTS, F64, ODE_METHODS, OPERATIONS, ROUNDOFF, SAMPLER_OPERATIONS,
                                            arrays, build_sde, coefficient, expect_value_error, mid_cell_time,
                                            prior_scale, scaled_smooth_score, sde_params, t64)
from properties.engine import (Axis, Expected, Implementation, Tolerance, Topic, assert_close, assert_leq, call,
                               expect_array, invariant, option)
from properties.oracles.sde import KINDS, beta, drift_diffusion, marginal_coefficients, ve_sigma

_X = torch.ones(2, 3, dtype=F64)
_T = torch.tensor([0.5, 1.0], dtype=F64)


def _probe_kind(impl, kind):
    if callable(getattr(impl, "marginal_prob", None)):
        call(call(impl, **DEFAULTS[kind]).marginal_prob, _X, _T)
    else:
        from properties.diffusion.sde_sampling import probe_operation
        probe_operation(impl, next(op for op in SAMPLER_OPERATIONS if callable(getattr(impl, op, None))), kind)


def _probe_operation(impl, op):
    if op == "sde":
        call(call(impl, **DEFAULTS["vp"]).sde, _X, _T)
    else:
        from properties.diffusion.sde_sampling import probe_operation
        probe_operation(impl, op, "vp")


def _probe_probability_flow(impl, pf):
    if callable(getattr(impl, "marginal_prob", None)):
        rsde = call(call(impl, **DEFAULTS["vp"]).reverse, lambda x, t: -x, probability_flow=pf)
        call(rsde.sde, _X, _T)
    else:
        from properties.diffusion.sde_sampling import probe_probability_flow
        probe_probability_flow(impl, pf)


def _probe_ode_method(impl, method):
    from properties.diffusion.sde_sampling import probe_ode_method
    probe_ode_method(impl, method)


def _detect_operations(impl):
    return [op for op in OPERATIONS if callable(getattr(impl, "marginal_prob" if op == "sde" else op, None))]


_LIB = "properties.diffusion.sde_libraries"
_DIFFUSERS = "properties.diffusion.sde_diffusers"
DIFFUSERS_NO_TIME_CHECK = (
    "diffusers' score-SDE schedulers do not validate the time: ScoreSdeVeScheduler.step_pred indexes its σ's with "
    "⌊t (N−1)⌋, so t > T raises IndexError, t = 0 takes the step from σ_0 to 0 and t < 0 silently wraps to the end "
    "of the table (discrete_sigmas[−k]); ScoreSdeVpScheduler.step_pred evaluates β(t) and the std at any t (−inf "
    "at t = 0, from score = −ε/std)")

DIFFUSERS_NO_NAN_CHECK = "diffusers' score-SDE schedulers do not check their sample: a NaN propagates into the output"
DIFFUSERS_FLOAT32_NOISE = (
    "diffusers' ScoreSdeVeScheduler.step_correct draws its noise with randn_tensor(shape, generator=g) without "
    "dtype=sample.dtype (step_pred passes it), so a float64 sample gets float32 noise: a different draw from the "
    "same generator than the float64 one the contract (and step_pred) uses (torch's CPU randn gives the same values "
    "in both dtypes below 16 elements, different ones from 16 on), and float32 precision in a float64 chain — the "
    "class of defect diffusers fixed for DDIM's noise in PR #742")


def _bad_time(case: str):
    return lambda ex: ex.get("case") == case


TOPIC = Topic(
    name="sde",
    title="Score SDEs: VP, sub-VP, VE; reverse SDE, predictor–corrector, probability-flow ODE, likelihood",
    contract=__doc__,
    reference="reference.diffusion.sde:VPSDE",
    implementations=[
        Implementation("reference.diffusion.sde:subVPSDE", note="the reference sub-VP SDE"),
        Implementation("reference.diffusion.sde:VESDE", note="the reference VE SDE"),
        Implementation("reference.diffusion.sde_samplers:Samplers", note="the reference samplers (scipy's RK45 for "
                       "the adaptive ODE and the likelihood)"),
        Implementation(f"{_LIB}:TorchsdeSamplers", requires=("torchsde",),
                       note="Euler–Maruyama by torchsde.sdeint on the time-reversed SDE"),
        Implementation(f"{_LIB}:TorchdiffeqSamplers", requires=("torchdiffeq",),
                       note="probability-flow ODE and likelihood by torchdiffeq.odeint (euler, heun2, dopri5)"),
        Implementation(f"{_DIFFUSERS}:DiffusersVE", requires=("diffusers",),
                       note="diffusers' ScoreSdeVeScheduler: step_pred (reverse diffusion), step_correct (Langevin)",
                       expected=tuple(
                           Expected("sde.rejects_bad_sampler_times", DIFFUSERS_NO_TIME_CHECK, where=f"case {case}",
                                    when=_bad_time(case), match="not ValueError|accepted silently")
                           for case in ("t>T", "t<=0", "t=nan")) + (
                           Expected("sde.rejects_bad_sampler_times", DIFFUSERS_NO_NAN_CHECK, where="case x=nan",
                                    when=_bad_time("x=nan"), match="accepted silently"),
                           Expected("sde.crosscheck.diffusers_ve_corrector", DIFFUSERS_FLOAT32_NOISE,
                                    where="float64 samples of ≥ 16 elements",
                                    when=lambda ex: ex.get("dtype") == "float64" and ex["x"].size >= 16,
                                    match="not equal within"))),
        Implementation(f"{_DIFFUSERS}:DiffusersVP", requires=("diffusers",),
                       note="diffusers' ScoreSdeVpScheduler.step_pred (an Euler–Maruyama step with dt = −1/M)",
                       expected=tuple(
                           Expected("sde.rejects_bad_sampler_times", DIFFUSERS_NO_TIME_CHECK, where=f"case {case}",
                                    when=_bad_time(case), match="not ValueError|accepted silently")
                           for case in ("t>T", "t<=0", "t=nan")) + (
                           Expected("sde.rejects_bad_sampler_times", DIFFUSERS_NO_NAN_CHECK, where="case x=nan",
                                    when=_bad_time("x=nan"), match="accepted silently"),)),
    ],
    axes=(
        Axis("kind", KINDS, "the SDE family: VP (eq. 11), sub-VP (eq. 16), VE (eq. 9); an SDE implementation is one "
                            "family, a sampler kit is judged on the closed-form SDE of each family it declares",
             probe=_probe_kind),
        Axis("operations", OPERATIONS, "the parts of the contract offered: 'sde' (part 1) and the samplers (part 2)",
             probe=_probe_operation, detect=_detect_operations),
        Axis("probability_flow", (False, True), "reverse(score_fn, probability_flow): the reverse SDE or the "
                                                "probability-flow ODE (also the samplers' argument)",
             probe=_probe_probability_flow),
        Axis("ode_method", ODE_METHODS, "the fixed-step ODE method: Euler or Heun (explicit trapezoidal)",
             probe=_probe_ode_method),
    ),
)

SONG = "Song et al., ICLR 2021 (arXiv:2011.13456)"
SDE_PART = {"operations": ("sde",)}

# ---------------------------------------------------------------------------------------------- marginals


def _coefficients(sde, p: dict, t: np.ndarray, d: int = 3):
    """(φ, g, a, s) of the implementation at times t: f(x, t) = φ x, mean = a x0, std s (checked linear in x)."""
    B = len(t)
    tt = t64(t)
    ones = torch.ones(B, d, dtype=F64)
    x = torch.linspace(-2.0, 3.0, B * d, dtype=F64).reshape(B, d)
    f1, g = call(sde.sde, ones, tt)
    fx, g2 = call(sde.sde, x, tt)
    phi = expect_array(f1, shape=(B, d), name="sde(1, t)[0]")[:, 0]
    fx = expect_array(fx, shape=(B, d), name="sde(x, t)[0]")
    g = coefficient(g, B, "diffusion g(t)")
    m1, s = call(sde.marginal_prob, ones, tt)
    mx, _ = call(sde.marginal_prob, x, tt)
    a = expect_array(m1, shape=(B, d), name="marginal_prob(1, t)[0]")[:, 0]
    mx = expect_array(mx, shape=(B, d), name="marginal_prob(x0, t)[0]")
    s = coefficient(s, B, "std s(t)")
    xs = x.numpy()
    scale = 1.0 + np.abs(xs).max()
    assert_close(fx / (scale * (1 + np.abs(phi)[:, None])), phi[:, None] * xs / (scale * (1 + np.abs(phi)[:, None])),
                 tol=ROUNDOFF, what="drift f(x, t) = φ(t) x (linear in x)")
    assert_close(mx / scale, a[:, None] * xs / scale, tol=ROUNDOFF, what="mean = a(t) x0 (linear in x0)")
    return phi, g, a, s


FD = Tolerance(atol=1e-3, reason=(
    "fourth-order central differences with h = 1e-3: truncation h⁴ |y⁽⁵⁾| / 30 ≤ 2e-7 relative for β ≤ 25 and "
    "log(σ_max/σ_min) ≤ 12 (|y⁽⁵⁾| ≤ (2 log r)⁵ |y|); float32 round-off 2⁻²⁴/h ≈ 6e-5; in units of the equation's "
    "scale"), float64=Tolerance(atol=1e-6, reason=(
        "fourth-order central differences with h = 1e-3: truncation ≤ 2e-7 relative; float64 round-off ε/h ≈ 2e-13")))


def _fd_table(y: dict, h: float) -> np.ndarray:
    """y'(t) from y at t ± h, t ± 2h:  [8 (y(t+h) − y(t−h)) − (y(t+2h) − y(t−2h))] / (12 h)."""
    return (8 * (y[h] - y[-h]) - (y[2 * h] - y[-2 * h])) / (12 * h)


@st.composite
def moment_case(draw):
    return {**draw(sde_params()), "t": np.asarray(draw(st.lists(st.floats(0.01, 0.99), min_size=3, max_size=3),
                                                       label="t"), dtype=np.float64)}


@invariant(TOPIC, "sde.moment_equations",
           statement="marginal_prob solves the linear SDE's moment equations: d a/dt = φ a, d s²/dt = 2 φ s² + g² (f = φ x)",
           why="For dx = φ(t) x dt + g(t) dw the mean and variance of x_t | x_0 obey these ODEs (Itô); marginal_prob "
               "must be their solution, or samplers started from it and the drifts of sde() disagree.  Checked by "
               "fourth-order finite differences of the implementation's own a(t), s(t) against its own φ(t), g(t).",
           source=f"{SONG}, eq. (5), appendix B (eqs. 29–31) and Särkkä & Solin, Applied SDEs (2019), eq. (5.51)",
           kind="tolerance", tolerance=FD, strategy=moment_case(), draws={"kind": None}, requires=SDE_PART,
           max_examples=6)
def moment_equations(impl, data):
    p, t = data, data["t"]
    sde = build_sde(impl, p)
    h, k = 1e-3, len(t)
    shifts = (0.0, h, -h, 2 * h, -2 * h)
    phi_all, g_all, a_all, s_all = _coefficients(sde, p, np.concatenate([t + d for d in shifts]))
    phi, g, a, s = phi_all[:k], g_all[:k], a_all[:k], s_all[:k]
    at = {d: a_all[i * k:(i + 1) * k] for i, d in enumerate(shifts)}
    vt = {d: s_all[i * k:(i + 1) * k] ** 2 for i, d in enumerate(shifts)}
    da, dv = _fd_table(at, h), _fd_table(vt, h)
    scale_a = np.abs(phi * a) + np.abs(a)
    assert_close(da / scale_a, phi * a / scale_a, what=f"d a/dt vs φ a at t = {t.tolist()} ({p['kind']})")
    scale_v = np.abs(2 * phi * s ** 2) + g ** 2
    assert_close(dv / scale_v, (2 * phi * s ** 2 + g ** 2) / scale_v,
                 what=f"d s²/dt vs 2 φ s² + g² at t = {t.tolist()} ({p['kind']})")


@st.composite
def closed_form_case(draw, kind):
    times = draw(st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3), label="t")
    return {**draw(sde_params(kind)), "t": np.asarray([0.0, 1.0] + times, dtype=np.float64)}


def _closed_form(impl, data):
    p, t = data, data["t"]
    phi, g, a, s = _coefficients(build_sde(impl, p), p, t)
    a_exact, s_exact = (c.numpy() for c in marginal_coefficients(p["kind"], t, p))
    phi_exact, g_exact = (c.numpy() for c in drift_diffusion(p["kind"], t, p))
    return (phi, g, a, s), (phi_exact, g_exact, a_exact, s_exact)


@invariant(TOPIC, "sde.vp_marginal",
           statement="VP: a(t) = exp(−¼t²(β₁−β₀) − ½tβ₀), a² + s² = 1, f = −½β(t) x, g = √β(t)",
           why="The VP SDE preserves unit variance: for unit-variance data the marginal variance a² + s² stays 1 "
               "(DDPM's √ᾱ, √(1−ᾱ) in continuous time).",
           source=f"{SONG}, eq. (11) and (29)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=closed_form_case("vp"), requires={"kind": ("vp",), **SDE_PART}, max_examples=6)
def vp_marginal(impl, data):
    (phi, g, a, s), (phi_e, g_e, a_e, s_e) = _closed_form(impl, data)
    assert_close(a, a_e, what=f"mean coefficient a(t) at t = {data['t'].tolist()}")
    assert_close(a ** 2 + s ** 2, np.ones_like(a), what="a(t)² + std² (variance preserving)")
    assert_close(phi / (1 + data["beta_max"]), phi_e / (1 + data["beta_max"]), what="φ(t) = −½ β(t) (units of β_max)")
    assert_close(g, g_e, what="g(t) = √β(t)")


@invariant(TOPIC, "sde.subvp_marginal",
           statement="sub-VP: a(t) as VP, std = 1 − a² ≤ √(1 − a²) (VP's std), g = √(β(t)(1 − e^{−2∫β}))",
           why="The sub-VP SDE shrinks VP's diffusion by 1 − e^{−2∫β}, so its std is VP's variance 1 − a² — which "
               "looks like a variance and is not one — and never exceeds VP's std.",
           source=f"{SONG}, eqs. (16)–(17)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=closed_form_case("subvp"), requires={"kind": ("subvp",), **SDE_PART}, max_examples=6)
def subvp_marginal(impl, data):
    (phi, g, a, s), (phi_e, g_e, a_e, s_e) = _closed_form(impl, data)
    assert_close(a, a_e, what=f"mean coefficient a(t) at t = {data['t'].tolist()}")
    assert_close(s, 1 - a_e ** 2, what="std = 1 − a(t)² (eq. 17)")
    for si, vi in zip(s, np.sqrt(1 - a_e ** 2)):
        assert_leq(float(si), float(vi), what="sub-VP std ≤ VP std √(1 − a²)")
    assert_close(phi / (1 + data["beta_max"]), phi_e / (1 + data["beta_max"]), what="φ(t) = −½ β(t) (units of β_max)")
    assert_close(g, g_e, what="g(t) = √(β(t) (1 − e^{−2∫β}))")


@invariant(TOPIC, "sde.ve_marginal",
           statement="VE: mean = x₀, std = σ(t) = σ_min (σ_max/σ_min)^t (σ(0) = σ_min, σ(1) = σ_max), f = 0, g = σ(t)√(2 log(σ_max/σ_min))",
           why="The VE SDE only adds noise, on the geometric noise scale of SMLD; σ must grow from σ_min to σ_max "
               "(score_sde's convention: std = σ(t), the data at t = 0 carrying σ_min).",
           source=f"{SONG}, eqs. (9), (30)–(31)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=closed_form_case("ve"), requires={"kind": ("ve",), **SDE_PART}, max_examples=6)
def ve_marginal(impl, data):
    (phi, g, a, s), (phi_e, g_e, a_e, s_e) = _closed_form(impl, data)
    assert_close(a, np.ones_like(a), what="mean coefficient (mean = x₀)")
    assert_close(s / data["sigma_max"], s_e / data["sigma_max"], what=f"σ(t) / σ_max at t = {data['t'].tolist()}")
    assert_close(s[:2] / data["sigma_max"], np.array([data["sigma_min"], data["sigma_max"]]) / data["sigma_max"],
                 what="σ(0) = σ_min and σ(1) = σ_max (units of σ_max)")
    assert_close(phi, np.zeros_like(phi), what="φ(t) = 0")
    assert_close(g / g_e.max(), g_e / g_e.max(), what="g(t) / max g")


# ------------------------------------------------------------------------------------------- reverse drifts


@st.composite
def reverse_case(draw):
    p = draw(sde_params(Ns=(50, 1000)))
    i = draw(st.integers(0, p["N"] - 1), label="i")
    return {**p, "probability_flow": draw(option("probability_flow")), "t": mid_cell_time(i, p["N"]),
            "x": draw(arrays((3, 2)), label="x")}


@invariant(TOPIC, "sde.reverse_drifts",
           statement="reverse(s).sde = (f − g² s, g); with probability_flow (f − ½ g² s, 0); the same for discretize (f_i, G_i)",
           why="Anderson's reverse-time SDE has drift f − g²∇log p_t and the same diffusion; the probability-flow ODE "
               "with drift f − ½g²∇log p_t has the same marginals and no noise.  The discretised reverse step reverses "
               "the forward one the same way.  Checked with the implementation's own f, g, f_i, G_i and a fixed "
               "nonlinear score (evaluated at the same x and t).",
           source=f"{SONG}, eqs. (6), (13), (45)–(47); Anderson (1982)", kind="tolerance", tolerance=ROUNDOFF,
           strategy=reverse_case(), draws={"kind": None, "probability_flow": None}, requires=SDE_PART, max_examples=10)
def reverse_drifts(impl, data):
    p, pf = data, data["probability_flow"]
    sde = build_sde(impl, p)
    score_fn = scaled_smooth_score(p)
    x = t64(data["x"]) * prior_scale(p)
    t = torch.full((x.shape[0],), data["t"], dtype=F64)
    rsde = call(sde.reverse, score_fn, probability_flow=pf)
    s = score_fn(x, t).numpy()
    k = 0.5 if pf else 1.0
    for name, fwd, rev in (("sde", sde.sde, rsde.sde), ("discretize", sde.discretize, rsde.discretize)):
        f, g = call(fwd, x, t)
        f = expect_array(f, shape=x.shape, name=f"forward {name}: drift")
        g = coefficient(g, x.shape[0], f"forward {name}: diffusion")
        rf, rg = call(rev, x, t)
        rf = expect_array(rf, shape=x.shape, name=f"reverse {name}: drift")
        rg = coefficient(rg, x.shape[0], f"reverse {name}: diffusion")
        expected = f - k * (g ** 2)[:, None] * s
        scale = 1.0 + np.abs(f).max() + (g ** 2).max() * np.abs(s).max()
        assert_close(rf / scale, expected / scale,
                     what=f"reverse {name} drift / scale at t = {data['t']:.4g} (probability_flow = {pf}, {p['kind']})")
        assert_close(rg / (1 + g.max()), (0 * g if pf else g) / (1 + g.max()),
                     what=f"reverse {name} diffusion (probability_flow = {pf})")


# ------------------------------------------------------------------------------------- discrete chains


@st.composite
def discretize_case(draw):
    p = draw(sde_params(Ns=(50, 200, 1000)))
    idx = draw(st.lists(st.integers(0, p["N"] - 1), min_size=3, max_size=3), label="i")
    return {**p, "i": idx}


@invariant(TOPIC, "sde.discretize_matches_discrete_chain",
           statement="VP: discretize at step i = DDPM's (√(1−β_i) − 1) x, √β_i with β_i = β(t_i)/N, to O(1/N²) per step; VE (i ≥ 1): G_i² = σ_i² − σ_{i−1}² to O(1/N²)",
           why="The VP SDE is the continuum limit of DDPM's chain with β_i = β(t_i)/N (t_i = i/(N−1)) and the VE SDE of "
               "SMLD's noise levels σ_i = σ(t_i): a discretisation may be the chain itself (score_sde) or Euler–Maruyama "
               "over T/N, which differ by O(1/N²) per step and so agree over the N steps to O(1/N).  Bounds: VP "
               "|G² − β_i| ≤ |β_max − β_min| / (N(N−1)) and the drift within that plus β_i²; VE |G² − (σ_i² − σ_{i−1}²)| "
               "≤ 8 (1 + log(σ_max/σ_min))² σ_i² / (N−1)² (both Taylor remainders, with the time anywhere in the cell).",
           source=f"{SONG}, appendix B (eqs. 24–29) and E; Ho et al. 2020 eq. (2)", kind="tolerance",
           tolerance=Tolerance(rtol=0, atol=1e-12, reason="bounds computed per example (see why); this slack is "
                                                          "float64 round-off of β_i ≤ 1"),
           strategy=discretize_case(), draws={"kind": ("vp", "ve")}, requires=SDE_PART, max_examples=10)
def discretize_matches_discrete_chain(impl, data):
    p, N = data, data["N"]
    sde = build_sde(impl, p)
    t = np.array([mid_cell_time(i, N) for i in data["i"]])
    x = torch.ones(len(t), 2, dtype=F64)
    f, G = call(sde.discretize, x, t64(t))
    f = expect_array(f, shape=x.shape, name="discretize: f")[:, 0]
    G2 = coefficient(G, len(t), "discretize: G") ** 2
    ti = np.asarray(data["i"], dtype=np.float64) / (N - 1)
    if p["kind"] == "vp":
        b = beta(ti, p["beta_min"], p["beta_max"]).numpy() / N
        cell = abs(p["beta_max"] - p["beta_min"]) / (N * (N - 1))
        for k in range(len(t)):
            assert_leq(abs(G2[k] - b[k]), cell, what=f"|G_i² − β_i| at i = {data['i'][k]}, N = {N}")
            assert_leq(abs(f[k] - (math.sqrt(1 - b[k]) - 1)), cell + b[k] ** 2,
                       what=f"|f_i/x − (√(1 − β_i) − 1)| at i = {data['i'][k]}, N = {N}")
    else:
        r = math.log(p["sigma_max"] / p["sigma_min"])
        sig = ve_sigma(ti, p["sigma_min"], p["sigma_max"]).numpy()
        prev = ve_sigma(np.maximum(ti - 1 / (N - 1), 0), p["sigma_min"], p["sigma_max"]).numpy()
        for k in range(len(t)):
            if data["i"][k] == 0:
                continue  # SMLD's first level σ_0² against σ_{−1} = 0 is a convention, not a limit
            bound = 8 * (1 + r) ** 2 * sig[k] ** 2 / (N - 1) ** 2
            assert_leq(abs(G2[k] - (sig[k] ** 2 - prev[k] ** 2)), bound,
                       what=f"|G_i² − (σ_i² − σ_(i−1)²)| at i = {data['i'][k]}, N = {N}")
            assert_leq(abs(float(f[k])), 0.0, what="VE discretize: f_i = 0")


# ------------------------------------------------------------------------------------------- bad input

BAD_SDE_CASES = {"vp": ("beta_min<0", "beta_max<0", "beta_min=nan", "beta_max=inf", "t<0", "t>T", "t=nan", "x=nan"),
                 "ve": ("sigma_min<0", "sigma_max<0", "sigma_max=nan", "sigma_max<=sigma_min", "t<0", "t>T", "t=nan",
                        "x=nan")}
BAD_SDE_CASES["subvp"] = BAD_SDE_CASES["vp"]


@st.composite
def bad_sde_case(draw):
    kind = draw(option("kind", KINDS))
    return {"kind": kind, "case": draw(st.sampled_from(BAD_SDE_CASES[kind]), label="case")}


@invariant(TOPIC, "sde.rejects_bad_input", category="validation",
           statement="negative or non-finite β or σ, σ_max ≤ σ_min, t ∉ [0, T] or NaN, NaN x ⇒ ValueError naming the parameter",
           why="Each silently produces garbage otherwise: a negative β makes a(t) grow, σ_max < σ_min makes √(2 log r) "
               "NaN, t > T extrapolates the schedule and NaN propagates into every sample.",
           source="this project's contract (score_sde validates nothing)", kind="exact",
           strategy=bad_sde_case(), draws={"kind": None}, requires=SDE_PART, max_examples=20)
def rejects_bad_input(impl, data):
    kind, case = data["kind"], data["case"]
    good = dict(DEFAULTS[kind])
    param, value = case.split("<=")[0].split("<")[0].split("=")[0].split(">")[0], None
    if param in good:
        value = {"<0": -1.0, "=nan": math.nan, "=inf": math.inf}.get(case[len(param):], None)
        if case == "sigma_max<=sigma_min":
            value = good["sigma_min"] / 2
        expect_value_error(param, impl, **{**good, param: value})
        return
    sde = build_sde(impl, {"kind": kind, **good})
    x, t = torch.zeros(2, 3, dtype=F64), torch.tensor([0.5, 0.5], dtype=F64)
    if case == "x=nan":
        x = x.clone()
        x[1, 2] = math.nan
    else:
        t = torch.tensor([0.5, {"t<0": -0.25, "t>T": 1.5, "t=nan": math.nan}[case]], dtype=F64)
    param = "x" if case == "x=nan" else "t"
    for method in (sde.sde, sde.marginal_prob):
        expect_value_error(param, method, x, t)


# the sampler invariants and the cross-checks register on TOPIC
from properties.diffusion import sde_forward, sde_sampling, sde_crosschecks  # noqa: E402,F401,I001
