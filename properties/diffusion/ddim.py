"""DDIM: invariants of the generalised (non-Markovian) reverse step, η, strided sampling and inversion.

Contract (diffusers' ``DDIMScheduler`` with the textbook update, i.e. ``clip_sample=False``)::

    s = Cls(num_train_timesteps=T, beta_schedule=name, beta_start=b0, beta_end=b1, set_alpha_to_one=True | False,
            prediction_type="epsilon" | "sample" | "v_prediction", timestep_spacing="leading" | "trailing" |
            "linspace", steps_offset=0)
    s.alphas_cumprod (T,), s.final_alpha_cumprod      # ᾱ below step 0: 1 (set_alpha_to_one) or ᾱ_0
    s.set_timesteps(S); s.timesteps                   # S decreasing ints in [0, T)
    out = s.step(model_output, t, x_t, eta=η, variance_noise=z)     # or generator=g instead of z
        # x_s = √ᾱ_s x̂0 + √(1 − ᾱ_s − σ²) ε̂ + σ z,  σ = η √((1−ᾱ_s)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_s),
        # s = t − ⌊T/S⌋ (ᾱ_s = final_alpha_cumprod when s < 0); out.prev_sample, out.pred_original_sample
    s.invert(x0, model_fn, S) -> x_{τ_S}             # capability "inversion": η = 0 encoding up the levels of
                                                      # set_timesteps(S), model_fn(x, t) called at the target t

Oracles: a single data point δ(x0) (its exact ε makes x̂0 = x0 everywhere), Gaussian data N(μ, Σ) (exact ε is
affine, so a whole sampler is an affine map of (x_T, z_1 … z_S) whose output Gaussian is propagated exactly) -
``properties.oracles.gaussian``.  ᾱ is read from the implementation (``ddpm.schedule_definition`` judges it);
tolerances and the step scale s are those of ``properties.diffusion.ddpm``.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion.schedulers import (ADAPTERS, CHAIN64, PREDICTIONS, SCHEDULE, SPACINGS, STEP, TRAILING_BUG,
                                        VARIANCE, alpha_bar_of, arrays, assert_prediction_types_agree, check_spacings,
                                        delta_model, expect_value_error, model_output_for, schedule_kw,
                                        schedule_strategy, smooth_model, spacing_case, step_outputs, step_scale, t64, interim,
                                        timesteps_of)
from properties.engine import (Axis, Implementation, ImplementationFailure, Tolerance, Topic, assert_close, assert_true, call,
                               crosscheck, expect_array, expect_scalar, invariant)
from properties.oracles.gaussian import (delta_eps, frechet_distance, gaussian_eps, gaussian_eps_affine,
                                         propagate_affine, random_spd)

DDIM_PAPER = "Song, Meng, Ermon 2021 (arXiv:2010.02502)"
F32_NAN = ("diffusers' float32 coefficients: at t = 999 of the cosine schedule (ᾱ_t ≈ 2.4e-9), η = 1, "
           "1 − ᾱ_s − σ² rounds below 0 and √ gives NaN (e.g. S = 1, trailing, set_alpha_to_one=False; S = 5, "
           "trailing or linspace); the float64-schedule variant is finite")
NO_ETA_CHECK = "diffusers does not validate eta (η < 0 flips the noise's sign), a NaN sample or the timestep's range"

TOPIC = Topic(
    name="ddim",
    title="DDIM: the generalised reverse step, η, strided sampling, inversion",
    contract=__doc__,
    reference="reference.diffusion.ddim:DDIMScheduler",
    implementations=[
        Implementation(f"{ADAPTERS}:DDIMScheduler", requires=("diffusers",), expected=interim({
            "ddim.timesteps_follow_spacing": TRAILING_BUG, "ddim.rejects_bad_input": NO_ETA_CHECK,
            "ddim.finite_for_every_eta": F32_NAN}) + interim(
            {"ddim.marginal_preservation": "the float32 NaN of ddim.finite_for_every_eta, where an example "
             "reaches t = 999 of the cosine schedule with η = 1 (the thorough profile does)"}, strict=False)),
        Implementation(f"{ADAPTERS}:DDIMScheduler64", requires=("diffusers",), expected=interim({
            "ddim.timesteps_follow_spacing": TRAILING_BUG, "ddim.rejects_bad_input": NO_ETA_CHECK})),
    ],
    axes=(Axis("operations", ("inversion",), "DDIM inversion: invert(x0, model_fn, S)",
               detect=lambda impl: ["inversion"] if callable(getattr(impl, "invert", None)) else []),),
)

EXACT_DET = Tolerance(reason="η = 0 leaves no noise term: the same inputs must give bit-identical outputs")


# ------------------------------------------------------------------------------------------ helpers


def prepared(impl, T: int, S: int, **kwargs):
    sched = call(impl, num_train_timesteps=T, **kwargs)
    call(sched.set_timesteps, S)
    return sched, alpha_bar_of(sched, T), timesteps_of(sched, T, S)


def final_alpha_bar(sched) -> float:
    return expect_scalar(sched.final_alpha_cumprod, name="final_alpha_cumprod")


def prev_alpha_bar(sched, ab: np.ndarray, t: int, T: int, S: int) -> float:
    """ᾱ at s = t − ⌊T/S⌋, or final_alpha_cumprod below 0 (the contract's previous level)."""
    s = t - T // S
    return float(ab[s]) if s >= 0 else final_alpha_bar(sched)


def ddim_sigma(ab_t: float, ab_s: float, eta: float) -> float:
    # σ = η √((1 − ᾱ_s)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_s)        (DDIM eq. 16)
    return eta * math.sqrt((1 - ab_s) / (1 - ab_t)) * math.sqrt(max(1 - ab_t / ab_s, 0.0))


def run_step(sched, mo: np.ndarray, t: int, x: np.ndarray, eta: float, z: np.ndarray, what: str):
    out = call(sched.step, t64(mo), t, t64(x), eta=eta, variance_noise=t64(z))
    return step_outputs(out, x.shape, what)


def probe_delta_step(sched, ab: np.ndarray, t: int, x0: np.ndarray, eta: float, prediction_type: str):
    """One step of data δ(x0) from x_t = √ᾱ_t x0 + √(1−ᾱ_t) ε, as the affine map out = m + J_ε ε + J_z z.

    Batch rows: (ε, z) = (0, 0), (e_i, 0), (0, e_j); exact because the step is affine in (ε, z) for this oracle.
    """
    d = len(x0)
    eps = np.zeros((2 * d + 1, d))
    eps[1:d + 1] = np.eye(d)
    z = np.zeros_like(eps)
    z[d + 1:] = np.eye(d)
    x_t = math.sqrt(ab[t]) * x0 + math.sqrt(1 - ab[t]) * eps
    mo = model_output_for(prediction_type, x_t, x0, ab[t])
    out, _ = run_step(sched, mo, t, x_t, eta, z, f"step at t = {t}")
    m = out[0]
    return m, (out[1:d + 1] - m).T, (out[d + 1:] - m).T, x_t


@st.composite
def delta_step_case(draw, etas=(0.0, 0.2, 0.5, 1.0)):
    # T ∈ {10, 1000} with S ≤ 50 never meets a trailing S whose np.arange(T, 0, −T/S) has S + 1 entries: that defect
    # is ddim.timesteps_follow_spacing's to report, once, rather than every chain invariant's at random
    cfg = draw(schedule_strategy((10, 1000)))
    S = draw(st.integers(1, min(cfg["T"], 50)), label="S")
    x0 = draw(arrays((3,)), label="x0")
    return {**cfg, "S": S, "i": draw(st.integers(0, S - 1), label="i"), "x0": x0,
            "eta": draw(st.sampled_from(etas), label="eta"), "spacing": draw(st.sampled_from(SPACINGS)),
            "set_alpha_to_one": draw(st.booleans()), "prediction_type": draw(st.sampled_from(PREDICTIONS))}


def prepared_case(impl, data, **overrides):
    kw = dict(schedule_kw(data["schedule"]), set_alpha_to_one=data.get("set_alpha_to_one", True),
              prediction_type=data.get("prediction_type", "epsilon"), timestep_spacing=data.get("spacing", "leading"))
    kw.update(overrides)
    return prepared(impl, data["T"], data["S"], **kw)


# ------------------------------------------------------------------------------------------ invariants


@invariant(TOPIC, "ddim.timesteps_follow_spacing",
           statement="set_timesteps(S): S strictly decreasing ints in [0, T): leading i⌊T/S⌋+k, trailing round(T−iT/S)−1, linspace round(i(T−1)/(S−1))",
           why="DDIM samples on a subsequence τ of 0 … T−1 (§4.2); each spacing has S entries, and a step at a timestep "
               "outside the schedule reads a wrong ᾱ.",
           source=f"{DDIM_PAPER} §4.2; Lin et al. 2024 (arXiv:2305.08891) Table 2",
           kind="exact", strategy=spacing_case(), max_examples=3)
def timesteps_follow_spacing(impl, data):
    check_spacings(impl, data, "ddim")


@invariant(TOPIC, "ddim.eta0_deterministic",
           statement="η = 0 ⇒ step(ε̂, t, x_t) is independent of z and of the generator; two chains from one x_T are identical",
           why="With σ_τ(0) = 0, eq. (12) has no noise term: DDIM (η = 0) is a deterministic map x_T → x_0.",
           source=f"{DDIM_PAPER}, eqs. (12) and (16), §4.1", kind="exact", tolerance=EXACT_DET,
           strategy=st.tuples(delta_step_case(etas=(0.0,)), arrays((2, 3)), arrays((2, 3)), arrays((2, 3))),
           max_examples=12)
def eta0_deterministic(impl, data):
    case, x, mo, z = data
    T, S = case["T"], case["S"]
    sched, ab, ts = prepared_case(impl, case)
    t = ts[case["i"]]
    outs = [step_outputs(call(sched.step, t64(mo), t, t64(x), eta=0.0, **kw), x.shape, f"step at t = {t}")[0]
            for kw in ({}, {"variance_noise": t64(z)}, {"variance_noise": t64(-3 * z + 1)},
                       {"generator": torch.Generator().manual_seed(1)}, {"generator": torch.Generator().manual_seed(2)})]
    for k, out in enumerate(outs[1:], 1):
        assert_close(out, outs[0], tol=EXACT_DET, what=f"η = 0 step at t = {t}, noise variant {k} vs none")
    chains = []
    for seed in (3, 4):
        sched, _, _ = prepared_case(impl, case)
        y, g = t64(x), torch.Generator().manual_seed(seed)
        for tt in ts:
            y = t64(step_outputs(call(sched.step, smooth_model(y, tt), tt, y, eta=0.0, generator=g), x.shape,
                                 f"step at t = {tt}")[0])
        chains.append(y.numpy())
    assert_close(chains[1], chains[0], tol=EXACT_DET, what=f"two η = 0 chains from one x_T (S = {S}, T = {T})")


@invariant(TOPIC, "ddim.delta_lands_on_x0",
           statement="δ(x0), exact ε, η = 0 ⇒ x_final = √ᾱ_f x0 + √(1−ᾱ_f) ε*(x_{τ_1}); = x0 when ᾱ_f = 1; leading: ε* = ε_T",
           why="The exact ε of a point gives x̂0 = x0 at every step, so the last step lands on √ᾱ_f x0 + √(1−ᾱ_f) ε̂, "
               "ᾱ_f its target level (final_alpha_cumprod = 1 with set_alpha_to_one: the data point itself).  Where the "
               "levels chain (leading: τ − ⌊T/S⌋ is the next timestep) η = 0 keeps x_t on the ray √ᾱ x0 + √(1−ᾱ) ε_T.  "
               "(Under trailing spacing with S ∤ T the last target τ_1 − ⌊T/S⌋ can be 0, so ᾱ_f = ᾱ_0 < 1: diffusers' "
               "convention, followed by the reference.)",
           source=f"{DDIM_PAPER}, eq. (12) with σ = 0, §4.2", kind="tolerance", tolerance=STEP,
           strategy=st.tuples(delta_step_case(etas=(0.0,)), arrays((2, 3)), st.integers(0, 1)), max_examples=30)
def delta_lands_on_x0(impl, data):
    case, eps_T, offset = data
    T, S, x0, spacing = case["T"], case["S"], case["x0"], case["spacing"]
    one = case["set_alpha_to_one"]
    offset = offset if spacing == "leading" and S < T else 0
    sched, ab, ts = prepared_case(impl, case, steps_offset=offset)
    final = final_alpha_bar(sched)
    assert_close(final, 1.0 if one else ab[0], tol=SCHEDULE, what=f"final_alpha_cumprod (set_alpha_to_one={one})")
    model = delta_model(x0, ab, case["prediction_type"])
    x = t64(math.sqrt(ab[ts[0]]) * x0 + math.sqrt(1 - ab[ts[0]]) * eps_T)
    for t in ts:
        x_in = x.numpy()
        x = t64(step_outputs(call(sched.step, model(x, t), t, x, eta=0.0), eps_T.shape, f"step at t = {t}")[0])
    t1 = ts[-1]
    s = step_scale(ab[t1], x0, eps_T, x_in)
    if spacing == "leading":
        assert_close(x_in / s, (math.sqrt(ab[t1]) * x0 + math.sqrt(1 - ab[t1]) * eps_T) / s, tol=STEP,
                     what=f"x_τ₁ / s on the ray of ε_T (S = {S}, steps_offset = {offset})")
    a_f = prev_alpha_bar(sched, ab, t1, T, S)
    expected = math.sqrt(a_f) * x0 + math.sqrt(1 - a_f) * delta_eps(x_in, x0, ab[t1])
    assert_close(x.numpy() / s, expected / s, tol=STEP,
                 what=f"final sample / s ({spacing}, S = {S}, steps_offset = {offset}, set_alpha_to_one = {one}, "
                      f"ᾱ_f = {a_f:.6g})")


@invariant(TOPIC, "ddim.marginal_preservation",
           statement="x_t ~ q(x_t|x0) ⇒ step(exact ε, η, z) ~ q(x_s|x0) = N(√ᾱ_s x0, (1−ᾱ_s) I) for every η ∈ [0, 1]",
           why="Lemma 1: the family q_σ keeps every marginal q(x_t|x0) for any σ, because √(1−ᾱ_s−σ²)² + σ² = 1 − ᾱ_s. "
               "The step is affine in (ε, z), so its output Gaussian is read off exactly by probing.",
           source=f"{DDIM_PAPER}, Lemma 1 and eq. (7)", kind="tolerance",
           tolerance=STEP, strategy=delta_step_case(), max_examples=30)
def marginal_preservation(impl, data):
    T, S, x0, eta = data["T"], data["S"], data["x0"], data["eta"]
    sched, ab, ts = prepared_case(impl, data)
    t = ts[data["i"]]
    ab_s = prev_alpha_bar(sched, ab, t, T, S)
    m, J_eps, J_z, x_t = probe_delta_step(sched, ab, t, x0, eta, data["prediction_type"])
    cov = J_eps @ J_eps.T + J_z @ J_z.T
    s = step_scale(ab[t], x_t, x0)
    assert_close(m / s, math.sqrt(ab_s) * x0 / s, tol=STEP, what=f"mean / s of x_s (t = {t}, η = {eta})")
    # J_ε carries x̂0's cancellation (x_t − √(1−ᾱ_t) ε)/√ᾱ_t, so its float32 error scales like s, too
    assert_close(cov / s, (1 - ab_s) * np.eye(len(x0)) / s, tol=STEP,
                 what=f"covariance / s of x_s (t = {t}, η = {eta}, 1 − ᾱ_s = {1 - ab_s:.6g}, s = {s:.3g})")


@invariant(TOPIC, "ddim.sigma_eta",
           statement="the step's noise is σ z with σ_τ(η) = η √((1−ᾱ_s)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_s)",
           why="Eq. (16): η interpolates between DDIM (η = 0) and the DDPM posterior's standard deviation (η = 1).",
           source=f"{DDIM_PAPER}, eq. (16)", kind="tolerance", tolerance=VARIANCE, strategy=delta_step_case(),
           max_examples=20)
def sigma_eta(impl, data):
    T, S, x0, eta = data["T"], data["S"], data["x0"], data["eta"]
    sched, ab, ts = prepared_case(impl, data)
    t = ts[data["i"]]
    ab_s = prev_alpha_bar(sched, ab, t, T, S)
    _, _, J_z, _ = probe_delta_step(sched, ab, t, x0, eta, data["prediction_type"])
    sigma = ddim_sigma(ab[t], ab_s, eta)
    assert_close(J_z @ J_z.T, sigma ** 2 * np.eye(len(x0)), tol=VARIANCE,
                 what=f"noise covariance J_z J_zᵀ = σ² I at t = {t} (η = {eta}, expected σ = {sigma:.6g})")


@invariant(TOPIC, "ddim.finite_for_every_eta",
           statement="0 ≤ η ≤ 1 ⇒ every step is finite: 1 − ᾱ_s − σ_τ(η)² ≥ 0 for every schedule, spacing, S",
           why="σ_τ(η)² ≤ σ_τ(1)² = (1−ᾱ_s)(1 − ᾱ_t/ᾱ_s)/(1−ᾱ_t) ≤ 1 − ᾱ_s, so eq. (12)'s direction coefficient is real; "
               "an implementation must not lose it to rounding (a NaN sample poisons the whole chain).",
           source=f"{DDIM_PAPER}, eqs. (12) and (16)", kind="exact",
           tolerance=Tolerance(reason="finiteness: no arithmetic tolerance"),
           strategy=st.tuples(arrays((2, 3)), arrays((2, 3))), max_examples=1)
def finite_for_every_eta(impl, data):
    x, z = data
    for schedule in sorted(("linear", "scaled_linear", "squaredcos_cap_v2")):
        for spacing in SPACINGS:
            for one in (True, False):
                for S in (1, 2, 5):
                    sched, ab, ts = prepared_case(impl, {"T": 1000, "S": S, "schedule": schedule,
                                                         "spacing": spacing, "set_alpha_to_one": one})
                    for t in ts:
                        for eta in (0.5, 1.0):
                            run_step(sched, x, t, x, eta, z, f"{schedule}, {spacing}, set_alpha_to_one={one}, "
                                                             f"S = {S}, η = {eta}, step at t = {t}")


@st.composite
def posterior_case(draw):
    cfg = draw(schedule_strategy((10, 100, 1000)))
    return {**cfg, "S": cfg["T"], "t": draw(st.integers(0, cfg["T"] - 1), label="t"),
            "set_alpha_to_one": draw(st.booleans()), "prediction_type": draw(st.sampled_from(PREDICTIONS)),
            "x_t": draw(arrays((2, 3))), "mo": draw(arrays((2, 3))), "z": draw(arrays((2, 3)))}


@invariant(TOPIC, "ddim.eta1_is_ddpm_posterior",
           statement="S = T, η = 1: step = μ̃(x_t, x̂0) + √β̃_t z, the posterior q(x_{t−1}|x_t, x̂0) as a Gaussian product",
           why="With η = 1, σ² = β̃_t and √(1−ᾱ_{t−1}−β̃_t) = (1−ᾱ_{t−1})√α_t/√(1−ᾱ_t): eq. (12) becomes DDPM's "
               "ancestral step (Bayes on prior N(√ᾱ_{t−1} x̂0, 1−ᾱ_{t−1}) and likelihood N(x_t; √α_t x_{t−1}, β_t)).",
           source=f"{DDIM_PAPER}, eq. (16) and §4.1; Ho et al. 2020 eq. (7)", kind="tolerance", tolerance=STEP,
           strategy=posterior_case(), max_examples=20)
def eta1_is_ddpm_posterior(impl, data):
    T, t, x_t, mo, z = data["T"], data["t"], data["x_t"], data["mo"], data["z"]
    sched, ab, _ = prepared_case(impl, data)
    ab_t, ab_s = ab[t], prev_alpha_bar(sched, ab, t, T, T)
    x0_hat = {"epsilon": (x_t - math.sqrt(1 - ab_t) * mo) / math.sqrt(ab_t), "sample": mo,
              "v_prediction": math.sqrt(ab_t) * x_t - math.sqrt(1 - ab_t) * mo}[data["prediction_type"]]
    a, b = ab_t / ab_s, 1 - ab_t / ab_s
    if ab_s == 1.0:            # prior δ(x̂0)
        mean, var = x0_hat, 0.0
    elif b <= 0:               # no step (t = 0 with final ᾱ = ᾱ_0): the likelihood pins x_s = x_t
        mean, var = x_t, 0.0
    else:
        var = 1.0 / (1.0 / (1 - ab_s) + a / b)
        mean = var * (math.sqrt(ab_s) * x0_hat / (1 - ab_s) + math.sqrt(a) * x_t / b)
    out, _ = run_step(sched, mo, t, x_t, 1.0, z, f"step at t = {t}")
    s = step_scale(ab_t, x_t, mo, z)
    assert_close(out / s, (mean + math.sqrt(var) * z) / s, tol=STEP,
                 what=f"η = 1 step / s at t = {t} vs μ̃ + √β̃ z (β̃ = {var:.6g}, s = {s:.3g})")


@st.composite
def gaussian_case(draw, etas=(0.0, 0.2, 0.5, 1.0)):
    d = draw(st.integers(1, 3), label="d")
    seed = draw(st.integers(0, 2 ** 16), label="seed")
    rng = np.random.default_rng(seed)
    cond = draw(st.sampled_from((1.0, 10.0, 100.0)), label="cond")
    scale = draw(st.sampled_from((0.1, 1.0, 3.0)), label="scale")
    return {"T": 1000, "schedule": draw(st.sampled_from(("linear", "squaredcos_cap_v2")), label="schedule"),
            "spacing": draw(st.sampled_from(("leading", "trailing")), label="spacing"),
            "set_alpha_to_one": draw(st.booleans()), "eta": draw(st.sampled_from(etas), label="eta"),
            "mu": rng.uniform(-2, 2, d), "Sigma": random_spd(d, rng, cond) * scale}


def output_gaussian(impl, data, S: int):
    """The sampler's output N(m, C) from x_T ~ N(0, I) with the exact ε of N(μ, Σ): each step is probed as an
    affine map x_s = M x_t + c + J_z z (rows x = 0, e_i, and z = e_j) and the Gaussian propagated exactly."""
    mu, Sigma, eta = data["mu"], data["Sigma"], data["eta"]
    d = len(mu)
    sched, ab, ts = prepared_case(impl, {**data, "S": S})
    m, C = np.zeros(d), np.eye(d)
    x = np.zeros((2 * d + 1, d))
    x[1:d + 1] = np.eye(d)
    z = np.zeros_like(x)
    z[d + 1:] = np.eye(d)
    for t in ts:
        A, b = gaussian_eps_affine(mu, Sigma, ab[t])
        out, _ = run_step(sched, x @ A.T + b, t, x, eta, z, f"step at t = {t}")
        c = out[0]
        M, J_z = (out[1:d + 1] - c).T, (out[d + 1:] - c).T
        m, C = propagate_affine(m, C, M, c, J_z @ J_z.T)
    return m, C


@invariant(TOPIC, "ddim.gaussian_closer_with_more_steps",
           statement="data N(μ, Σ), exact ε, x_T ~ N(0, I): W₂²(sampler output, data) strictly decreases over S = 4, 8, 16, 32",
           why="With the exact ε, the only errors are the discretisation of the reverse process (shrinking with the step "
               "size) and the prior mismatch ᾱ_T ≈ 4e-5; the output is Gaussian, so its Fréchet distance is exact. "
               "Not a theorem for every Σ: it is checked on normalised data (|μ_i| ≤ 2, eigenvalues of Σ in [0.01, 30]) "
               "with ᾱ_T ≈ 0 schedules, where it held in every one of 3000 random trials of this strategy's domain.",
           source=f"{DDIM_PAPER}, Table 1 and §5.1 (FID improves with S); Fréchet distance as in FID (Heusel et al. 2017)",
           kind="metamorphic", tolerance=Tolerance(reason="a strict inequality between exact (float64) distances"),
           strategy=gaussian_case(), max_examples=6)
def gaussian_closer_with_more_steps(impl, data):
    fds = []
    for S in (4, 8, 16, 32):
        m, C = output_gaussian(impl, data, S)
        try:
            fds.append(frechet_distance(m, C, data["mu"], data["Sigma"]))
        except np.linalg.LinAlgError as exc:
            raise ImplementationFailure(f"output covariance at S = {S} is not a covariance: {exc}") from None
    assert_true(all(a > b for a, b in zip(fds, fds[1:])),
                f"W₂² to the data over S = 4, 8, 16, 32 (η = {data['eta']}): {['%.4g' % f for f in fds]} — not decreasing")


@st.composite
def inversion_delta_case(draw):
    cfg = draw(schedule_strategy((10, 100, 1000)))
    divisors = [S for S in range(1, min(cfg["T"], 50) + 1) if cfg["T"] % S == 0]
    return {**cfg, "S": draw(st.sampled_from(divisors), label="S"), "spacing": draw(st.sampled_from(("leading", "trailing"))),
            "x0": draw(arrays((2, 3)), label="x0")}


@invariant(TOPIC, "ddim.inversion_exact_on_delta",
           statement="δ(x0), x0-prediction, final ᾱ = ᾱ_0: invert(x0, S) = √ᾱ_{τ_S} x0 + √(1−ᾱ_{τ_S}) ε₀, and sampling it back gives x0",
           why="With x̂0 = x0 given, ε̂ = (x − √ᾱ x0)/√(1−ᾱ) is exact at the current level, so every η = 0 step up or "
               "down stays on the ray √ᾱ x0 + √(1−ᾱ) ε₀, ε₀ = (1 − √ᾱ_0) x0/√(1−ᾱ_0), starting from x0 at level ᾱ_0; "
               "inversion must end at the top level τ_S = timesteps[0] and sampling at ᾱ_0, i.e. at x0.",
           source=f"{DDIM_PAPER}, eq. (12) with σ = 0 and §4.3 (eq. 14)", kind="tolerance", tolerance=STEP,
           strategy=inversion_delta_case(), max_examples=8, requires={"operations": ("inversion",)})
def inversion_exact_on_delta(impl, data):
    T, S, x0 = data["T"], data["S"], data["x0"]
    sched, ab, ts = prepared_case(impl, data, set_alpha_to_one=False, prediction_type="sample")
    model = delta_model(x0, ab, "sample")
    eps0 = (1 - math.sqrt(ab[0])) * x0 / math.sqrt(1 - ab[0])
    top = ts[0]
    x_T = expect_array(call(sched.invert, t64(x0), model, S), shape=x0.shape, name=f"invert(S = {S})")
    s = step_scale(ab[top], x0)
    assert_close(x_T / s, (math.sqrt(ab[top]) * x0 + math.sqrt(1 - ab[top]) * eps0) / s, tol=STEP,
                 what=f"invert(x0) / s vs the ray at the top level τ_S = {top}")
    call(sched.set_timesteps, S)
    x = t64(x_T)
    for t in timesteps_of(sched, T, S):
        x = t64(step_outputs(call(sched.step, model(x, t), t, x, eta=0.0), x0.shape, f"step at t = {t}")[0])
    assert_close(x.numpy() / s, x0 / s, tol=STEP, what=f"sample(invert(x0)) / s (S = {S})")


@invariant(TOPIC, "ddim.inversion_roundtrip",
           statement="x0 → invert(S) → sample(η = 0, S) returns x0 with an error that strictly decreases over S = 20, 80, 320",
           why="Inversion runs the η = 0 ODE discretisation (eq. 14) forwards; sampling runs it back.  The model is called "
               "at the target level going up and at the current level going down, a first-order mismatch that vanishes "
               "as the step size does.  A convergence statement, not an identity: on this strategy's domain it held in "
               "700 of 700 random scratch trials (from S = 10 upwards it failed 1 in 500, pre-asymptotically).",
           source=f"{DDIM_PAPER}, §4.3 and §5.4 (reconstruction error falls with S, Table 2)", kind="metamorphic",
           tolerance=Tolerance(reason="a strict inequality between float64 reconstruction errors"),
           strategy=st.tuples(gaussian_case(etas=(0.0,)), st.integers(0, 2 ** 16)), max_examples=4,
           requires={"operations": ("inversion",)})
def inversion_roundtrip(impl, data):
    case, seed = data
    mu, Sigma = case["mu"], case["Sigma"]
    x0 = np.random.default_rng(seed).multivariate_normal(mu, Sigma, size=2)
    errors = []
    for S in (20, 80, 320):
        sched, ab, ts = prepared_case(impl, {**case, "S": S})
        model = lambda x, t: t64(gaussian_eps(x.detach().cpu().numpy(), mu, Sigma, ab[int(t)]))  # noqa: E731
        x = t64(expect_array(call(sched.invert, t64(x0), model, S), shape=x0.shape, name=f"invert(S = {S})"))
        call(sched.set_timesteps, S)
        for t in timesteps_of(sched, case["T"], S):
            x = t64(step_outputs(call(sched.step, model(x, t), t, x, eta=0.0), x0.shape, f"step at t = {t}")[0])
        errors.append(float(np.abs(x.numpy() - x0).max()))
    assert_true(all(a > b for a, b in zip(errors, errors[1:])),
                f"max |sample(invert(x0)) − x0| over S = 20, 80, 320: {['%.3g' % e for e in errors]} — not decreasing")


@invariant(TOPIC, "ddim.prediction_types_agree",
           statement="model outputs ε, x0 = (x_t − √(1−ᾱ)ε)/√ᾱ, v = √ᾱ ε − √(1−ᾱ) x0 give the same step (same η, z)",
           why="ε-, x0- and v-prediction are reparameterisations of one denoiser; eq. (12) needs x̂0 and ε̂, which each "
               "type must recover identically.",
           source=f"{DDIM_PAPER}, eq. (12); Salimans & Ho 2022 (arXiv:2202.00512) §4", kind="metamorphic",
           tolerance=STEP, strategy=st.tuples(delta_step_case(), arrays((2, 3)), arrays((2, 3)), arrays((2, 3))),
           max_examples=15)
def prediction_types_agree(impl, data):
    case, x_t, eps, z = data
    results = {}
    for pt in PREDICTIONS:
        sched, ab, ts = prepared_case(impl, case, prediction_type=pt)
        t = ts[case["i"]]
        x0 = (x_t - math.sqrt(1 - ab[t]) * eps) / math.sqrt(ab[t])
        mo = {"epsilon": eps, "sample": x0, "v_prediction": math.sqrt(ab[t]) * eps - math.sqrt(1 - ab[t]) * x0}[pt]
        results[pt] = run_step(sched, mo, t, x_t, case["eta"], z, f"{pt} step at t = {t}")
    assert_prediction_types_agree(results, step_scale(ab[t], x_t, eps, z), f"t = {t}, η = {case['eta']}")


@invariant(TOPIC, "ddim.rejects_bad_input", category="validation",
           statement="S > T, η < 0, a NaN sample, a timestep ∉ [0, T) ⇒ ValueError naming the parameter",
           why="Each silently produces garbage otherwise: η < 0 flips the noise's sign, a wrapped index reads ᾱ_{T−1}.",
           source="this project's contract (diffusers raises only for num_inference_steps > T)",
           kind="exact", strategy=schedule_strategy((10, 100)), max_examples=2)
def rejects_bad_input(impl, data):
    T = data["T"]
    sched = call(impl, num_train_timesteps=T, **schedule_kw(data["schedule"]))
    expect_value_error("num_inference_steps", sched.set_timesteps, T + 1)
    call(sched.set_timesteps, T)
    x = torch.zeros(2, 3, dtype=torch.float64)
    expect_value_error("eta", sched.step, x, T - 1, x, eta=-0.5, variance_noise=x)
    nan = x.clone()
    nan[1, 2] = float("nan")
    expect_value_error("sample", sched.step, x, T - 1, nan)
    expect_value_error("timestep", sched.step, x, T, x)
    expect_value_error("timestep", sched.step, x, -1, x)


# ------------------------------------------------------------------------------------------ cross-checks


@st.composite
def chain_case(draw):
    cfg = draw(schedule_strategy((10, 1000)))
    S = draw(st.integers(1, min(cfg["T"] // 2, 50)), label="S")
    spacing = draw(st.sampled_from(SPACINGS))
    offset = draw(st.integers(0, 1)) if spacing == "leading" else 0
    return {**cfg, "S": S, "spacing": spacing, "steps_offset": offset, "eta": draw(st.sampled_from((0.0, 0.5, 1.0))),
            "set_alpha_to_one": draw(st.booleans()), "prediction_type": draw(st.sampled_from(PREDICTIONS)),
            "x_T": draw(arrays((2, 3))), "seed": draw(st.integers(0, 2 ** 16))}


def run_chain(impl, data):
    sched, ab, ts = prepared_case(impl, data, steps_offset=data["steps_offset"])
    g, x, x0s = torch.Generator().manual_seed(data["seed"]), t64(data["x_T"]), []
    for t in ts:
        z = torch.randn(x.shape, generator=g, dtype=torch.float64)
        prev, x0_hat = run_step(sched, smooth_model(x, t).numpy(), t, x.numpy(), data["eta"], z.numpy(), f"t = {t}")
        x, x0s = t64(prev), x0s + [x0_hat]
    return x.numpy(), np.stack(x0s)


@crosscheck(TOPIC, "ddim.crosscheck.diffusers_float64",
            statement="reference = diffusers' DDIMScheduler (float64 schedule) over whole chains: every spacing, η ∈ {0, ½, 1}, set_alpha_to_one both ways",
            why="Same update, same float64 schedule, same z: any difference is a different formula or convention.",
            source="diffusers 0.42 DDIMScheduler.step vs reference.diffusion.ddim", tolerance=CHAIN64, strategy=chain_case(),
            max_examples=15, pairs=[("reference.diffusion.ddim:DDIMScheduler", f"{ADAPTERS}:DDIMScheduler64")])
def crosscheck_diffusers_float64(impl_a, impl_b, data):
    xa, x0a = run_chain(impl_a, data)
    xb, x0b = run_chain(impl_b, data)
    assert_close(xb, xa, tol=CHAIN64, what="final sample")
    assert_close(x0b, x0a, tol=CHAIN64, what="pred_original_sample at every step")


@crosscheck(TOPIC, "ddim.crosscheck.diffusers",
            statement="reference = diffusers' DDIMScheduler as shipped (float32 schedule): ᾱ, final ᾱ, timesteps, every step",
            why="Two implementations of Song et al.'s sampler; diffusers rounds its schedule to float32.",
            source="diffusers 0.42 DDIMScheduler vs reference.diffusion.ddim", tolerance=STEP, strategy=chain_case(),
            max_examples=15, pairs=[("reference.diffusion.ddim:DDIMScheduler", f"{ADAPTERS}:DDIMScheduler")])
def crosscheck_diffusers(impl_a, impl_b, data):
    a, ab_a, ts_a = prepared_case(impl_a, data, steps_offset=data["steps_offset"])
    b, ab_b, ts_b = prepared_case(impl_b, data, steps_offset=data["steps_offset"])
    assert_true(ts_a == ts_b, f"timesteps differ: {ts_a} vs {ts_b}")
    assert_close(ab_b, ab_a, tol=SCHEDULE, what="alphas_cumprod")
    assert_close(final_alpha_bar(b), final_alpha_bar(a), tol=SCHEDULE, what="final_alpha_cumprod")
    g, x = torch.Generator().manual_seed(data["seed"]), data["x_T"]
    for t in ts_a:  # one step at a time from the same input, so float32 errors do not compound
        mo, z = smooth_model(t64(x), t).numpy(), torch.randn(x.shape, generator=g, dtype=torch.float64).numpy()
        oa = run_step(a, mo, t, x, data["eta"], z, "reference")
        ob = run_step(b, mo, t, x, data["eta"], z, "diffusers")
        s = step_scale(ab_a[t], x, mo, z)
        for k, name in enumerate(("prev_sample", "pred_original_sample")):
            assert_close(ob[k] / s, oa[k] / s, tol=STEP, what=f"{name} / s at t = {t}")
        x = oa[0]


@crosscheck(TOPIC, "ddim.crosscheck.inversion_float64",
            statement="reference invert = diffusers' DDIMInverseScheduler loop (float64 schedule), leading and trailing",
            why="Both walk the levels of set_timesteps upwards with η = 0, calling the model at the target timestep.",
            source="diffusers 0.42 DDIMInverseScheduler vs reference.diffusion.ddim.DDIMScheduler.invert", tolerance=CHAIN64,
            strategy=st.tuples(gaussian_case(etas=(0.0,)), st.sampled_from((1, 5, 10, 50)), arrays((2, 3))),
            max_examples=10, pairs=[("reference.diffusion.ddim:DDIMScheduler", f"{ADAPTERS}:DDIMScheduler64")])
def crosscheck_inversion(impl_a, impl_b, data):
    case, S, x0 = data
    outs = []
    for impl in (impl_a, impl_b):
        sched, ab, _ = prepared_case(impl, {**case, "S": S})
        outs.append(expect_array(call(sched.invert, t64(x0), smooth_model, S), shape=x0.shape, name="invert"))
    assert_close(outs[1], outs[0], tol=CHAIN64, what=f"invert(x0, S = {S})")
