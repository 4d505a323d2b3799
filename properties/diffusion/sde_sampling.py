"""The ``sde`` topic's sampler invariants (contract part 2, in ``properties.diffusion.sde``): every sampler runs on
the closed-form SDE of ``properties.oracles.sde`` with a closed-form score — the exact score of Gaussian data or a
Gaussian mixture, or a fixed smooth function where only a step's arithmetic is checked."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion.sde import SONG, TOPIC
from properties.diffusion.sde_cases import (DEFAULTS, F64, LIKELIHOOD, ODE_TOL, PATH, ROUNDOFF, SAMPLER_OPERATIONS, TRANSPORT,
                                            GridBrownian, arrays, expect_value_error, gaussian_data, gaussian_of,
                                            grid_strategy, kit, log2_ratio, mid_cell_time, oracle_sde, pair, points_at,
                                            prior_scale, regenerated_noise, scale_of, scaled_smooth_score, sde_params,
                                            t64)
from properties.engine import (Tolerance, assert_close, assert_deterministic, assert_true, call, expect_array,
                               invariant, option)
from properties.oracles.gaussian import random_spd
from properties.oracles.sde import GaussianMixture, marginal_coefficients

_X = torch.ones(2, 2, dtype=F64)


# ------------------------------------------------------------------------------------------------- probes


def probe_operation(impl, op: str, kind: str) -> None:
    """One small call of ``op`` on the closed-form SDE of ``kind`` (for ``invariants probe``)."""
    k, sde = kit(impl), oracle_sde({"kind": kind, **DEFAULTS[kind]})
    score = scaled_smooth_score({"kind": kind, **DEFAULTS[kind]})
    g = torch.Generator().manual_seed(0)
    calls = {
        "euler_maruyama": lambda: call(k.euler_maruyama, sde, score, _X, torch.tensor([1.0, 0.5], dtype=F64),
                                       GridBrownian(np.array([1.0, 0.5]), (2, 2), 0)),
        "euler_maruyama_step": lambda: call(k.euler_maruyama_step, sde, score, _X, 0.5, -0.01, generator=g),
        "reverse_diffusion_step": lambda: call(k.reverse_diffusion_step, sde, score, _X, 0.5, generator=g),
        "langevin_step": lambda: call(k.langevin_step, sde, score, _X, 0.5, 0.16, generator=g),
        "predictor_corrector": lambda: call(k.predictor_corrector, oracle_sde({"kind": kind, **DEFAULTS[kind], "N": 50}),
                                            score, _X, 1e-3, 0.16, 1, generator=g),
        "ode": lambda: call(k.ode, sde, score, _X, torch.tensor([1.0, 0.5], dtype=F64)),
        "ode_adaptive": lambda: call(k.ode_adaptive, sde, score, _X, 1.0, 0.5),
        "likelihood": lambda: call(k.likelihood, sde, score, _X, 0.5),
    }
    calls[op]()


def probe_probability_flow(impl, pf: bool) -> None:
    k = kit(impl)
    p = {"kind": "vp", **DEFAULTS["vp"]}
    for op in ("euler_maruyama_step", "reverse_diffusion_step"):
        if callable(getattr(k, op, None)):
            args = (0.5, -0.01) if op == "euler_maruyama_step" else (0.5,)
            call(getattr(k, op), oracle_sde(p), scaled_smooth_score(p), _X, *args,
                 generator=torch.Generator().manual_seed(0), probability_flow=pf)
            return
    call(k.euler_maruyama, oracle_sde(p), scaled_smooth_score(p), _X, torch.tensor([1.0, 0.5], dtype=F64),
         GridBrownian(np.array([1.0, 0.5]), (2, 2), 0), probability_flow=pf)


def probe_ode_method(impl, method: str) -> None:
    p = {"kind": "vp", **DEFAULTS["vp"]}
    call(kit(impl).ode, oracle_sde(p), scaled_smooth_score(p), _X, torch.tensor([1.0, 0.5], dtype=F64), method=method)


# -------------------------------------------------------------------------------- the stochastic samplers



@st.composite
def path_case(draw):
    p = draw(sde_params())
    return {**p, "ts": draw(grid_strategy()), "probability_flow": draw(option("probability_flow")),
            "x": draw(arrays((3, 2)), label="x"), "seed": draw(st.integers(0, 2 ** 20), label="seed")}


@invariant(TOPIC, "sde.euler_maruyama_pathwise",
           statement="euler_maruyama: x_{i+1} = x_i + [f − g² s](x_i, t_i)(t_{i+1} − t_i) + g(t_i) bm(−t_i, −t_{i+1}) (½ g² s and no noise with probability_flow)",
           why="Euler–Maruyama on the reverse-time SDE, driven by the given Brownian path: the same path gives the same "
               "sample, so the whole trajectory is checked exactly — the drift's coefficient and sign, the step Δt_i of "
               "a non-uniform grid, the noise scale √|Δt| inside the increment, the time at which each step is taken.",
           source=f"{SONG}, eq. (6) and appendix F; Kloeden & Platen (1992) §9.1", kind="tolerance", tolerance=PATH,
           strategy=path_case(), draws={"kind": None, "probability_flow": None},
           requires={"operations": ("euler_maruyama",)}, max_examples=8)
def euler_maruyama_pathwise(impl, data):
    p, ts, pf = data, data["ts"], data["probability_flow"]
    sde, score = oracle_sde(p), scaled_smooth_score(p)
    x0 = t64(data["x"]) * prior_scale(p)
    bm = GridBrownian(ts, tuple(x0.shape), data["seed"])
    out = expect_array(call(kit(impl).euler_maruyama, sde, score, x0, t64(ts), bm, probability_flow=pf),
                       shape=x0.shape, name="euler_maruyama(...)").astype(np.float64)
    rsde, x = sde.reverse(score, pf), x0
    for i in range(len(ts) - 1):
        drift, g = rsde.sde(x, torch.full((x.shape[0],), ts[i], dtype=F64))
        x = x + drift * (ts[i + 1] - ts[i]) + (0 if pf else g[:, None] * t64(bm.increments[i]))
    s = scale_of(x.numpy(), x0.numpy())
    assert_close(out / s, x.numpy() / s, what=f"the path's end / scale ({p['kind']}, {len(ts) - 1} steps, "
                                              f"probability_flow = {pf})")


@st.composite
def step_case(draw, with_dt: bool = False, Ns=(100, 1000)):
    p = draw(sde_params(Ns=Ns))
    i = draw(st.integers(0, p["N"] - 1), label="i")
    case = {**p, "t": mid_cell_time(i, p["N"]), "x": draw(arrays((3, 2)), label="x"),
            "seed": draw(st.integers(0, 2 ** 20), label="seed")}
    if with_dt:
        case["M"] = draw(st.sampled_from((10, 100, 1000)), label="M")
    case["probability_flow"] = draw(option("probability_flow"))
    return case


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


@invariant(TOPIC, "sde.euler_maruyama_step",
           statement="euler_maruyama_step: x_mean = x + [f − g² s](x, t) Δt, x = x_mean + g(t) √(−Δt) z, z = randn(x.shape, generator)",
           why="One Euler–Maruyama step of the reverse SDE (score_sde's EulerMaruyamaPredictor); x_mean is the "
               "step without noise.  Its noise is the generator's next draw, so the same seed reproduces it under any "
               "global random state.",
           source=f"{SONG}, eq. (6); score_sde sampling.EulerMaruyamaPredictor", kind="tolerance", tolerance=ROUNDOFF,
           strategy=step_case(with_dt=True),
           draws={"kind": None, "probability_flow": None}, requires={"operations": ("euler_maruyama_step",)},
           max_examples=8)
def euler_maruyama_step(impl, data):
    p, t, dt, pf = data, data["t"], -1.0 / data["M"], data["probability_flow"]
    sde, score = oracle_sde(p), scaled_smooth_score(p)
    x = t64(data["x"]) * prior_scale(p)
    step = kit(impl).euler_maruyama_step
    kw = {"probability_flow": True} if pf else {}
    xs, xm = assert_deterministic(lambda: pair(call(step, sde, score, x, t, dt, generator=_seeded(data["seed"]), **kw),
                                               x.shape, "euler_maruyama_step"),
                                  what="euler_maruyama_step with the same generator seed")
    drift, g = sde.reverse(score, pf).sde(x, torch.full((x.shape[0],), t, dtype=F64))
    mean = (x + drift * dt).numpy()
    z = regenerated_noise(x.shape, data["seed"])
    expected = mean + (0 if pf else g.numpy()[:, None] * math.sqrt(-dt) * z)
    s = scale_of(mean, x.numpy())
    assert_close(xm / s, mean / s, what=f"x_mean / scale at t = {t:.4g}, Δt = {dt:.4g} ({p['kind']})")
    assert_close(xs / s, expected / s, what=f"x / scale at t = {t:.4g}, Δt = {dt:.4g} ({p['kind']}, pf = {pf})")


@invariant(TOPIC, "sde.reverse_diffusion_step",
           statement="reverse_diffusion_step: x_mean = x − rev_f, x = x_mean + rev_G z with (rev_f, rev_G) = reverse(s, pf).discretize(x, t)",
           why="The reverse-diffusion predictor runs the forward discretisation backwards: "
               "x_{i−1} = x_i − f_i + G_i² s(x_i, t_i) + G_i z — ancestral sampling for VP (DDPM) and VE (SMLD).  Its "
               "noise is the generator's next draw (reproducible under any global random state).",
           source=f"{SONG}, appendix E, eqs. (46)–(47); score_sde sampling.ReverseDiffusionPredictor", kind="tolerance",
           tolerance=ROUNDOFF,
           strategy=step_case(),
           draws={"kind": None, "probability_flow": None}, requires={"operations": ("reverse_diffusion_step",)},
           max_examples=8)
def reverse_diffusion_step(impl, data):
    p, t, pf = data, data["t"], data["probability_flow"]
    sde, score = oracle_sde(p), scaled_smooth_score(p)
    x = t64(data["x"]) * prior_scale(p)
    step = kit(impl).reverse_diffusion_step
    kw = {"probability_flow": True} if pf else {}
    xs, xm = assert_deterministic(lambda: pair(call(step, sde, score, x, t, generator=_seeded(data["seed"]), **kw),
                                               x.shape, "reverse_diffusion_step"),
                                  what="reverse_diffusion_step with the same generator seed")
    rev_f, rev_G = sde.reverse(score, pf).discretize(x, torch.full((x.shape[0],), t, dtype=F64))
    mean = (x - rev_f).numpy()
    expected = mean + rev_G.numpy()[:, None] * regenerated_noise(x.shape, data["seed"])
    s = scale_of(mean, x.numpy(), rev_G.numpy())
    assert_close(xm / s, mean / s, what=f"x_mean / scale at t = {t:.4g} ({p['kind']}, N = {p['N']})")
    assert_close(xs / s, expected / s, what=f"x / scale at t = {t:.4g} ({p['kind']}, N = {p['N']}, pf = {pf})")


LANGEVIN = Tolerance(rtol=1e-4, atol=1e-4, reason=(
    "ratios of norms and inner products of float32 arrays: ≲ 10 · 2⁻²⁴ relative; 1e-4 leaves a margin"),
    float64=Tolerance(rtol=1e-9, atol=1e-9, reason="ratios of norms and inner products in float64: ≲ 1e-13"))


@st.composite
def langevin_case(draw):
    p = draw(sde_params())
    B = draw(st.sampled_from((1, 4)), label="B")
    return {**p, "t": draw(st.floats(0.01, 1.0), label="t"), "snr": draw(st.sampled_from((0.16, 0.075, 0.5)), label="snr"),
            "x": draw(arrays((B, 3)), label="x"), "seed": draw(st.integers(0, 2 ** 20), label="seed")}


@invariant(TOPIC, "sde.langevin_step",
           statement="langevin_step: x_mean − x = ε s and x − x_mean = √(2ε) ẑ with ε = 2 (r · mean‖ẑ‖ / mean‖s‖)² (one ε for the batch)",
           why="The corrector is one step of Langevin dynamics x + ε∇log p + √(2ε) z, whose stationary law is p_t "
               "(for Gaussian p_t = N(m, C) one step maps it to N(m, C + ε²C⁻¹): the √2 is what keeps the variance); "
               "ε is set from the signal-to-noise ratio r with the norms averaged over the batch.  Checked without "
               "knowing how z was drawn: ε is read from x_mean, ẑ from x, and the rule must hold for that ẑ.",
           source=f"{SONG}, appendix G, Algorithms 4–5; Roberts & Tweedie (1996); score_sde sampling.LangevinCorrector",
           kind="tolerance", tolerance=LANGEVIN, strategy=langevin_case(), draws={"kind": None},
           requires={"operations": ("langevin_step",)}, max_examples=8)
def langevin_step(impl, data):
    p, t, r = data, data["t"], data["snr"]
    sde, score = oracle_sde(p), scaled_smooth_score(p)
    x = t64(data["x"]) * prior_scale(p)
    step = kit(impl).langevin_step
    xs, xm = assert_deterministic(lambda: pair(call(step, sde, score, x, t, r, generator=_seeded(data["seed"])),
                                               x.shape, "langevin_step"),
                                  what="langevin_step with the same generator seed")
    s = score(x, torch.full((x.shape[0],), t, dtype=F64)).numpy()
    dx = xm - x.numpy()
    eps = float((dx * s).sum() / (s * s).sum())
    assert_true(eps > 0, f"the corrector moved against the score: ε = {eps:.4g}")
    scale = scale_of(dx)
    assert_close(dx / scale, eps * s / scale, what="x_mean − x = ε ∇log p_t(x) with one ε for the whole batch")
    z_hat = (xs - xm) / math.sqrt(2 * eps)
    rule = 2 * (r * np.linalg.norm(z_hat, axis=1).mean() / np.linalg.norm(s, axis=1).mean()) ** 2
    assert_close(eps, rule, what=f"ε read from x_mean vs 2 (r ‖ẑ‖/‖s‖)² with ẑ = (x − x_mean)/√(2ε) (r = {r})")
    return {"compared": 1}


@st.composite
def pc_case(draw):
    kind = draw(option("kind"))
    p = draw(sde_params(kind, Ns=(30,) if kind != "ve" else (5, 20)))
    return {**p, "eps": draw(st.sampled_from((1e-3, 1e-2)), label="eps"), "snr": 0.16,
            "n_corrector": draw(st.integers(0, 2), label="n_corrector"), "denoise": draw(st.booleans(), label="denoise"),
            "x": draw(arrays((3, 2)), label="x"), "seed": draw(st.integers(0, 2 ** 20), label="seed")}


@invariant(TOPIC, "sde.predictor_corrector_composes_steps",
           statement="predictor_corrector = for t in linspace(T, ε, N): n_corrector × langevin_step, then reverse_diffusion_step; return x_mean (denoise) or x",
           why="The PC sampler alternates Langevin correction at the current noise level with one reverse-diffusion "
               "step to the next; denoising returns the last step without its noise.  Compared with the "
               "implementation's own steps (judged by their own invariants) on one generator, in the stated draw order.",
           source=f"{SONG}, appendix G, Algorithms 2–3; score_sde sampling.get_pc_sampler", kind="tolerance",
           tolerance=PATH, strategy=pc_case(), draws={"kind": None},
           requires={"operations": ("predictor_corrector", "langevin_step", "reverse_diffusion_step")}, max_examples=3)
def predictor_corrector_composes_steps(impl, data):
    p = data
    sde, score, k = oracle_sde(p), scaled_smooth_score(p), kit(impl)
    x0 = t64(data["x"]) * prior_scale(p)
    out = expect_array(call(k.predictor_corrector, sde, score, x0, data["eps"], data["snr"], data["n_corrector"],
                            generator=_seeded(data["seed"]), denoise=data["denoise"]),
                       shape=x0.shape, name="predictor_corrector").astype(np.float64)
    g, x, x_mean = _seeded(data["seed"]), x0, x0
    for t in torch.linspace(1.0, data["eps"], p["N"], dtype=F64).tolist():
        for _ in range(data["n_corrector"]):
            x, x_mean = (t64(a) for a in pair(call(k.langevin_step, sde, score, x, t, data["snr"], generator=g),
                                              x0.shape, "langevin_step"))
        x, x_mean = (t64(a) for a in pair(call(k.reverse_diffusion_step, sde, score, x, t, generator=g), x0.shape,
                                          "reverse_diffusion_step"))
    expected = (x_mean if data["denoise"] else x).numpy()
    s = scale_of(expected)
    assert_close(out / s, expected / s, what=f"PC output / scale ({p['kind']}, N = {p['N']}, "
                                             f"n_corrector = {data['n_corrector']}, denoise = {data['denoise']})")


# ------------------------------------------------------------------------------ the probability-flow ODE




@invariant(TOPIC, "sde.pf_ode_transports_marginal",
           statement="Gaussian data, exact score: ode_adaptive(x, T → ε) = a_ε μ + C_ε^{1/2} C_T^{−1/2} (x − a_T μ), so q_T ↦ q_ε",
           why="The probability-flow ODE has the SDE's marginals: for data N(μ, Σ) every C_t = a²Σ + s²I shares Σ's "
               "eigenvectors and each whitened coordinate is constant along the flow, so the ODE maps each point of "
               "q_T to the point of q_ε at the same whitened position — pointwise, hence the whole exact marginal at T "
               "onto the data's law at ε.",
           source=f"{SONG}, eq. (13) and appendix D.1; the closed form in properties.oracles.sde", kind="tolerance",
           tolerance=TRANSPORT, strategy=gaussian_data(), draws={"kind": None},
           requires={"operations": ("ode_adaptive",)}, max_examples=3)
def pf_ode_transports_marginal(impl, case):
    data, eps = gaussian_of(case), case["eps"]
    sde = oracle_sde(case)
    x = points_at(data, case["w"], 1.0)
    out = expect_array(call(kit(impl).ode_adaptive, sde, data.score, x, 1.0, eps, rtol=ODE_TOL, atol=ODE_TOL),
                       shape=x.shape, name="ode_adaptive").astype(np.float64)
    expected = data.flow(x, 1.0, eps).numpy()
    s = scale_of(expected)
    assert_close(out / s, expected / s, what=f"ODE(x_T) / scale vs the exact flow ({case['kind']}, ε = {eps}, "
                                             f"d = {case['d']})")


ORDER = Tolerance(atol=0.35, reason=(
    "the observed order log₂(e_64 / e_128) is p ± 0.35: at these step sizes the leading error term dominates "
    "(measured 0.83–1.12 for Euler and 1.89–2.21 for Heun over the thorough profile's 120 examples; at 32 → 64 steps a stiff VE "
    "schedule (σ_max in the hundreds) is still pre-asymptotic, 0.64 for Euler, and sub-VP's Heun overshoots to 2.43); an "
    "inconsistent scheme converges to the wrong flow (order ≈ 0), a Heun step that lost its average falls to about 1, "
    "and Heun run when Euler was asked for shows order ≈ 2"))


@st.composite
def order_case(draw):
    return {**draw(gaussian_data(dims=(1, 2))), "method": draw(option("ode_method"))}


@invariant(TOPIC, "sde.pf_ode_fixed_step_converges",
           statement="ode(x_T, uniform grid T → ε, method) converges to the exact flow at order p = 1 (Euler) or 2 (Heun): log₂(e_64 / e_128) = p ± 0.35",
           why="A fixed-step solver of the probability-flow ODE is consistent with it: its error against the exact "
               "flow map (closed form for Gaussian data) shrinks like hᵖ.  A wrong drift converges to the wrong flow "
               "(the error stops shrinking) and a botched Heun step falls back to order 1.",
           source=f"{SONG}, eq. (13); Hairer, Nørsett & Wanner, Solving ODEs I (1993), §II.1–3", kind="tolerance",
           tolerance=ORDER, strategy=order_case(), draws={"kind": None, "ode_method": None},
           requires={"operations": ("ode",)}, max_examples=6)
def pf_ode_fixed_step_converges(impl, case):
    data, eps, method = gaussian_of(case), case["eps"], case["method"]
    sde = oracle_sde(case)
    x = points_at(data, case["w"], 1.0)
    expected = data.flow(x, 1.0, eps).numpy()
    s = scale_of(expected)
    errors = []
    for n in (64, 128):
        ts = torch.linspace(1.0, eps, n + 1, dtype=F64)
        out = expect_array(call(kit(impl).ode, sde, data.score, x, ts, method=method), shape=x.shape,
                           name=f"ode({method}, {n} steps)").astype(np.float64)
        errors.append(float(np.abs(out - expected).max()) / s)
    p = 1 if method == "euler" else 2
    order = log2_ratio(*errors)
    assert_close(order, float(p), what=f"observed order log₂(e_64/e_128) of {method} (errors {errors[0]:.3g}, "
                                        f"{errors[1]:.3g}; {case['kind']}, ε = {eps})")
    return {"compared": 1}


@st.composite
def mixture_case(draw):
    """A 2-D mixture of 2–3 components of std ≈ 0.5–0.9 with means at distance ≈ 2, and points drawn from it at ε."""
    p = draw(sde_params())
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 20), label="data_seed"))
    K = draw(st.integers(2, 3), label="K")
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(K) / K
    mix = GaussianMixture(p["kind"], {k: p[k] for k in p if k not in ("kind", "N")},
                          tuple(rng.dirichlet(np.full(K, 4.0))), tuple(np.stack([np.cos(angles), np.sin(angles)], 1)),
                          tuple(random_spd(2, rng, cond=3.0) * 0.5 for _ in range(K)), tuple(range(K)))
    eps = draw(st.sampled_from((1e-3, 1e-2)), label="eps")
    a, s = (float(c) for c in marginal_coefficients(p["kind"], eps, mix.p))
    x = a * mix.sample(4, rng) + s * rng.standard_normal((4, 2))
    return {**p, "mixture": mix, "x": x, "eps": eps}


ROUND_TRIP_TOL = 1e-6
ROUND_TRIP = Tolerance(rtol=1e-3, atol=1e-3, reason=TRANSPORT.reason, float64=Tolerance(rtol=1e-4, atol=1e-4, reason=(
    "two adaptive legs at rtol = atol = 1e-6, each within 10–100× the local tolerance (measured ≤ 5e-6 for scipy's "
    "RK45 and torchdiffeq's dopri5), in units of the start's size")))


@invariant(TOPIC, "sde.pf_ode_round_trip",
           statement="ode_adaptive(ode_adaptive(x, ε → T), T → ε) = x for x drawn from a Gaussian mixture at ε (its exact score: a nonlinear flow)",
           why="The probability-flow ODE is deterministic and its flow is invertible: integrating forward then backward "
               "returns the start — the encoder/decoder property behind exact likelihoods and latent manipulation.  "
               "Holds for any field; it catches solvers that ignore the direction or the requested tolerance.",
           source=f"{SONG}, §4.3 (uniquely identifiable encoding)", kind="tolerance", tolerance=ROUND_TRIP,
           strategy=mixture_case(), draws={"kind": None}, requires={"operations": ("ode_adaptive",)}, max_examples=2)
def pf_ode_round_trip(impl, case):
    mix, eps = case["mixture"], case["eps"]
    sde = oracle_sde(case)
    x = t64(case["x"])
    solve = kit(impl).ode_adaptive
    z = expect_array(call(solve, sde, mix.score, x, eps, 1.0, rtol=ROUND_TRIP_TOL, atol=ROUND_TRIP_TOL), shape=x.shape,
                     name="ode_adaptive(ε → T)")
    back = expect_array(call(solve, sde, mix.score, t64(z), 1.0, eps, rtol=ROUND_TRIP_TOL, atol=ROUND_TRIP_TOL),
                        shape=x.shape,
                        name="ode_adaptive(T → ε)").astype(np.float64)
    s = scale_of(case["x"])
    assert_close(back / s, case["x"] / s, what=f"round trip / scale ({case['kind']}, ε = {eps})")
    assert_true(float(np.abs(np.asarray(z, dtype=np.float64) - case["x"]).max()) > 1e-3 * s,
                "ode_adaptive(ε → T) returned its input: the forward leg did not move")




@invariant(TOPIC, "sde.likelihood_is_exact",
           statement="Gaussian data, exact score: likelihood(x, ε) = log π(Φ(x)) + ½ Σ log c_T − ½ Σ log c_ε (Φ the exact flow ε → T, π the prior)",
           why="The instantaneous change of variables log p_ε(x) = log π(x(T)) + ∫_ε^T ∇·f̃ dt is exact for the ODE's "
               "flow; for Gaussian data the flow is affine with log-determinant ½ Σ log(c_T/c_ε) over Σ's eigenvalues "
               "c_t = a²λ + s², so the likelihood is known in closed form (it differs from log q_ε(x) only by the "
               "prior's mismatch with q_T).",
           source=f"{SONG}, eq. (39) and appendix D.2; Chen et al. 2018 (neural ODEs), Theorem 1", kind="tolerance",
           tolerance=LIKELIHOOD, strategy=gaussian_data(dims=(1, 2)), draws={"kind": None},
           requires={"operations": ("likelihood",)}, max_examples=2)
def likelihood_is_exact(impl, case):
    data, eps = gaussian_of(case), case["eps"]
    sde = oracle_sde(case)
    x = points_at(data, case["w"][:3], eps)
    lp = expect_array(call(kit(impl).likelihood, sde, data.score, x, eps, rtol=1e-7, atol=1e-7), shape=(3,),
                      name="likelihood").astype(np.float64)
    assert_close(lp, data.pf_log_likelihood(x, eps).numpy(), what=f"log-likelihood in nats ({case['kind']}, ε = {eps}, "
                                                                 f"d = {case['d']})")


# ------------------------------------------------------------------------------------------------- bad input

BAD_TIME_CASES = {
    "euler_maruyama": ("ts>T", "ts<=0", "ts=nan", "x=nan"), "ode": ("ts>T", "ts<=0", "ts=nan", "x=nan"),
    "euler_maruyama_step": ("t>T", "t<=0", "t=nan", "x=nan"), "reverse_diffusion_step": ("t>T", "t<=0", "t=nan", "x=nan"),
    "langevin_step": ("t>T", "t<=0", "t=nan", "x=nan"), "ode_adaptive": ("t1>T", "t0<=0", "t1=nan", "x=nan"),
    "predictor_corrector": ("eps>T", "eps<=0", "eps=nan", "x=nan"), "likelihood": ("eps>T", "eps<=0", "eps=nan", "x=nan"),
}
_VALUES = {">T": 1.5, "<=0": 0.0, "=nan": math.nan}


@st.composite
def bad_time_case(draw):
    op = draw(option("operations"))
    return {"kind": draw(option("kind")), "op": op, "case": draw(st.sampled_from(BAD_TIME_CASES[op]), label="case")}


@invariant(TOPIC, "sde.rejects_bad_sampler_times", category="validation",
           statement="a sampler time outside (0, T] or NaN (ts, t, t0, t1, eps), or a NaN x ⇒ ValueError naming it",
           why="The score is singular at t = 0 for VP and sub-VP and undefined beyond T; a sampler that accepts such "
               "times returns NaN or extrapolated garbage, silently.",
           source="this project's contract (score_sde validates nothing)", kind="exact", strategy=bad_time_case(),
           draws={"kind": None, "operations": SAMPLER_OPERATIONS}, max_examples=40)
def rejects_bad_sampler_times(impl, data):
    kind, op, case = data["kind"], data["op"], data["case"]
    p = {"kind": kind, **DEFAULTS[kind], "N": 50 if op == "predictor_corrector" else 1000}
    sde, score, k = oracle_sde(p), scaled_smooth_score(p), kit(impl)
    x = torch.ones(2, 2, dtype=F64)
    param = "x" if case == "x=nan" else case.split(">")[0].split("<")[0].split("=")[0]
    bad = _VALUES.get(case[len(param):], None)
    if case == "x=nan":
        x = x.clone()
        x[0, 1] = math.nan
    g = torch.Generator().manual_seed(0)
    grid = [1.0, 0.5] if param != "ts" else [1.0, bad] if case != "ts>T" else [bad, 0.5]
    args = {
        "euler_maruyama": lambda: (sde, score, x, t64(grid), GridBrownian(np.nan_to_num(np.array(grid), nan=0.1),
                                                                          (2, 2), 0)),
        "ode": lambda: (sde, score, x, t64(grid)),
        "euler_maruyama_step": lambda: (sde, score, x, bad if param == "t" else 0.5, -0.01),
        "reverse_diffusion_step": lambda: (sde, score, x, bad if param == "t" else 0.5),
        "langevin_step": lambda: (sde, score, x, bad if param == "t" else 0.5, 0.16),
        "ode_adaptive": lambda: (sde, score, x, bad if param == "t0" else 1.0, bad if param == "t1" else 0.5),
        "predictor_corrector": lambda: (sde, score, x, bad if param == "eps" else 1e-3, 0.16, 0),
        "likelihood": lambda: (sde, score, x, bad if param == "eps" else 0.5),
    }[op]()
    kw = {"generator": g} if op in ("euler_maruyama_step", "reverse_diffusion_step", "langevin_step",
                                    "predictor_corrector") else {}
    expect_value_error(param, getattr(k, op), *args, **kw)
