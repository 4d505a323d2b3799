"""DDPM: invariants of noise schedules, the forward process, the posterior and ancestral sampling.

Contract (diffusers' ``DDPMScheduler`` with the textbook update, i.e. ``clip_sample=False``)::

    s = Cls(num_train_timesteps=T, beta_schedule=name, beta_start=b0, beta_end=b1,
            variance_type="fixed_small" | "fixed_large", prediction_type="epsilon" | "sample" | "v_prediction",
            timestep_spacing="leading" | "trailing" | "linspace", steps_offset=0)
    s.betas, s.alphas_cumprod            # (T,) β_t and ᾱ_t = ∏_{s≤t}(1 − β_s), t = 0 … T−1 (0-based)
    s.add_noise(x0, eps, timesteps)      # √ᾱ_t x0 + √(1−ᾱ_t) eps, one timestep per batch row
    s.set_timesteps(S); s.timesteps     # S decreasing ints in [0, T) under the spacing
    out = s.step(model_output, t, x_t, generator=g)
    out.prev_sample, out.pred_original_sample
        # x_s = μ̃(x_t, x̂0) + σ z, s = the next entry of timesteps (ᾱ = 1 after the last),
        # z = torch.randn(model_output.shape, generator=g, dtype=model_output.dtype); no noise on the last step;
        # σ² = β̃ (fixed_small) or β = 1 − ᾱ_t/ᾱ_s (fixed_large, the DDIM paper's σ̂)

Oracles come from closed-form Gaussian algebra (``properties.oracles.gaussian``).  Every oracle that needs ᾱ
reads the implementation's own ``alphas_cumprod`` (cast to float64), so a float32 schedule costs only float32
*arithmetic* error; whether ᾱ itself is right is the separate ``ddpm.schedule_definition``.  Step outputs are
compared in units of the step's scale s = (1 + max|inputs|)·(1/√ᾱ_t + 1/√(1 − ᾱ_t)).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import (Implementation, Tolerance, Topic,
                               assert_close, assert_true, call, crosscheck, expect_array, invariant)
from properties.diffusion.schedulers import (ADAPTERS, CHAIN64, FLOAT64, PREDICTIONS, SCHEDULE, SCHEDULES, SPACINGS, STEP,
                                        TRAILING_BUG, VARIANCE, alpha_bar_of, arrays, assert_prediction_types_agree,
                                        check_spacings, config, delta_model, expect_value_error, model_output_for,
                                        prepared, schedule_kw, schedule_strategy, smooth_model, spacing_case,
                                        step_outputs, step_scale, t64, interim)

NO_VALIDATION = ("diffusers does not validate its inputs: a NaN sample passes through, and a timestep outside the "
                 "schedule raises IndexError or silently wraps (alphas_cumprod[-1])")
DDPM_FINAL_NOISE = ("diffusers adds noise whenever the timestep t > 0, not on the chain's last step: under trailing "
                    "spacing the last timestep is T/S − 1 > 0 and fixed_large adds N(0, 1 − ᾱ_t) to the output")

TOPIC = Topic(
    name="ddpm",
    title="DDPM: schedules, forward process, posterior, ancestral sampling",
    contract=__doc__,
    reference="reference.diffusion.ddpm:DDPMScheduler",
    implementations=[
        Implementation(f"{ADAPTERS}:DDPMScheduler", requires=("diffusers",), expected=interim({
            "ddpm.timesteps_follow_spacing": TRAILING_BUG, "ddpm.rejects_bad_input": NO_VALIDATION,
            "ddpm.delta_lands_on_x0": DDPM_FINAL_NOISE})),
        Implementation(f"{ADAPTERS}:DDPMScheduler64", requires=("diffusers",), expected=interim({
            "ddpm.timesteps_follow_spacing": TRAILING_BUG, "ddpm.rejects_bad_input": NO_VALIDATION,
            "ddpm.delta_lands_on_x0": DDPM_FINAL_NOISE})),
    ],
)

HO = "Ho, Jain, Abbeel 2020 (arXiv:2006.11239)"
# --------------------------------------------------------------------------------------- schedules


@invariant(TOPIC, "ddpm.alpha_bar_decreasing", statement="1 > ᾱ_0 > ᾱ_1 > … > ᾱ_{T−1} > 0, len(ᾱ) = T",
           why="ᾱ_t = ∏(1 − β_s) with every β_s ∈ (0, 1): each factor shrinks the product, none reaches 0.",
           source=f"{HO}, §2 (notation above eq. 4)", kind="exact",
           strategy=schedule_strategy(), max_examples=6)
def alpha_bar_decreasing(impl, data):
    T = data["T"]
    sched = call(impl, **config(T, data["schedule"]))
    ab = alpha_bar_of(sched, T)
    drops = np.flatnonzero(np.diff(ab) >= 0)
    assert_true(drops.size == 0, f"ᾱ not strictly decreasing at t = {drops[:5].tolist()}")


def named_betas(T: int, schedule: str) -> np.ndarray:
    """The schedule's definition in float64 (Ho et al. §4; latent diffusion; Nichol & Dhariwal eq. 17)."""
    b0, b1 = SCHEDULES[schedule]
    if schedule == "linear":
        return np.linspace(b0, b1, T)
    if schedule == "scaled_linear":
        return np.linspace(b0 ** 0.5, b1 ** 0.5, T) ** 2
    f = lambda u: math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    return np.array([min(1 - f((t + 1) / T) / f(t / T), 0.999) for t in range(T)])


@invariant(TOPIC, "ddpm.schedule_definition",
           statement="β = the named schedule (linear / scaled_linear / cosine) and ᾱ_t = ∏_{s≤t}(1 − β_s)",
           why="The schedule is part of the trained model: sampling with other β's evaluates the model off its noise levels.",
           source=f"{HO} §4 (linear); Nichol & Dhariwal 2021 (arXiv:2102.09672) eq. 17 (cosine); Rombach et al. 2022 "
                  "(scaled_linear)", kind="tolerance", tolerance=SCHEDULE, strategy=schedule_strategy(), max_examples=6)
def schedule_definition(impl, data):
    T, name = data["T"], data["schedule"]
    sched = call(impl, **config(T, name))
    betas = expect_array(sched.betas, shape=(T,), name="betas").astype(np.float64)
    expected = named_betas(T, name)
    assert_close(betas, expected, tol=SCHEDULE, what=f"β ({name}, T = {T})")
    assert_close(alpha_bar_of(sched, T), np.cumprod(1 - expected), tol=SCHEDULE, what=f"ᾱ ({name}, T = {T})")


# --------------------------------------------------------------------------------- forward process


@invariant(TOPIC, "ddpm.add_noise_closed_form", statement="add_noise(x0, ε, t) = √ᾱ_t x0 + √(1 − ᾱ_t) ε, per row",
           why="q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) reparameterised with ε ~ N(0, I).",
           source=f"{HO}, eq. (4)", kind="tolerance", tolerance=FLOAT64,
           strategy=st.tuples(schedule_strategy(), arrays((3, 2)), arrays((3, 2)), st.lists(st.floats(0, 1), min_size=3,
                                                                                              max_size=3)),
           max_examples=10)
def add_noise_closed_form(impl, data):
    cfg, x0, eps, u = data
    T = cfg["T"]
    sched = call(impl, **config(T, cfg["schedule"]))
    ab = alpha_bar_of(sched, T)
    ts = np.minimum((np.asarray(u) * T).astype(np.int64), T - 1)
    out = expect_array(call(sched.add_noise, t64(x0), t64(eps), torch.tensor(ts)), shape=x0.shape, name="add_noise")
    expected = np.sqrt(ab[ts])[:, None] * x0 + np.sqrt(1 - ab[ts])[:, None] * eps
    assert_close(out, expected, tol=FLOAT64, what=f"add_noise at t = {ts.tolist()}")


@invariant(TOPIC, "ddpm.forward_composition",
           statement="x_t from t+1 single steps q(x_s|x_{s−1}) = N(√(1−β_s) x_{s−1}, β_s I) is N(√ᾱ_t x0, (1−ᾱ_t) I)",
           why="Composing the Gaussian transitions multiplies the means' coefficients √(1−β_s) and accumulates the "
               "variances v_s = (1−β_s)v_{s−1} + β_s, which sum to 1 − ᾱ_t: the closed-form marginal add_noise must use.",
           source=f"{HO}, eqs. (2) and (4)", kind="tolerance", tolerance=SCHEDULE,
           strategy=schedule_strategy(), max_examples=6)
def forward_composition(impl, data):
    T = data["T"]
    sched = call(impl, **config(T, data["schedule"]))
    betas = expect_array(sched.betas, shape=(T,), name="betas").astype(np.float64)
    mean_coef, var = np.empty(T), np.empty(T)
    m, v = 1.0, 0.0
    for t in range(T):  # one forward step at a time
        m, v = math.sqrt(1 - betas[t]) * m, (1 - betas[t]) * v + betas[t]
        mean_coef[t], var[t] = m, v
    ts = torch.arange(T)
    ones, zeros = torch.ones(T, 1, dtype=torch.float64), torch.zeros(T, 1, dtype=torch.float64)
    a = expect_array(call(sched.add_noise, ones, zeros, ts), shape=(T, 1), name="add_noise(1, 0, t)")[:, 0]
    b = expect_array(call(sched.add_noise, zeros, ones, ts), shape=(T, 1), name="add_noise(0, 1, t)")[:, 0]
    assert_close(a ** 2, mean_coef ** 2, tol=SCHEDULE, what="(mean coefficient)² of add_noise vs composed steps")
    assert_close(b ** 2, var, tol=Tolerance(atol=SCHEDULE.rtol, reason=SCHEDULE.reason + "; absolute, as σ² ≤ 1"),
                 what="(noise coefficient)² of add_noise vs composed variance")


# ------------------------------------------------------------------------------------ the DDPM step


def ddpm_step_decomposed(sched, model_output: np.ndarray, t: int, x_t: np.ndarray, what: str):
    """(mean, σ) of a generator-driven step x_s = mean + σ z, from two seeds, checked on a third."""
    outs, zs = [], []
    for seed in (11, 12, 13):
        out = call(sched.step, t64(model_output), t, t64(x_t), generator=torch.Generator().manual_seed(seed))
        outs.append(step_outputs(out, x_t.shape, what)[0])
        zs.append(torch.randn(x_t.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).numpy())
    dz = zs[0] - zs[1]
    sigma = float(((outs[0] - outs[1]) * dz).sum() / (dz * dz).sum())
    mean = outs[0] - sigma * zs[0]
    scale = 1.0 + float(np.abs(outs[0]).max())
    resid = float(np.abs(mean + sigma * zs[2] - outs[2]).max()) / scale
    assert_true(resid < 1e-6, f"{what}: the step's noise is not σ·torch.randn(shape, generator=g) "
                              f"(residual {resid:.3g} on a third seed)")
    return mean, sigma


@st.composite
def posterior_case(draw):
    cfg = draw(schedule_strategy((10, 1000)))
    S = draw(st.integers(1, min(cfg["T"], 50)), label="S")
    return {**cfg, "S": S, "i": draw(st.integers(0, S - 1), label="i"),
            "spacing": draw(st.sampled_from(SPACINGS)), "variance_type": draw(st.sampled_from(("fixed_small", "fixed_large"))),
            "prediction_type": draw(st.sampled_from(PREDICTIONS)),
            "x_t": draw(arrays((2, 3))), "x0": draw(arrays((2, 3)))}


@invariant(TOPIC, "ddpm.posterior_is_gaussian_product",
           statement="step: x_s ~ N(μ̃, σ²I), μ̃ ∝ prior N(√ᾱ_s x0, 1−ᾱ_s) × likelihood N(x_t; √(ᾱ_t/ᾱ_s) x_s, 1−ᾱ_t/ᾱ_s); σ² = β̃ or β",
           why="The reverse step samples q(x_s | x_t, x̂0): Bayes' rule on two Gaussians (a precision-weighted mean), computed "
               "here independently of the closed form (7); fixed_small uses its variance β̃, fixed_large the forward β.",
           source=f"{HO}, eqs. (6)-(7) and §3.2; DDIM (arXiv:2010.02502) appendix C.1 for strides",
           kind="tolerance", tolerance=STEP, strategy=posterior_case(), max_examples=25)
def posterior_is_gaussian_product(impl, data):
    T, x_t, x0 = data["T"], data["x_t"], data["x0"]
    sched, ab, ts = prepared(impl, T, data["S"], **schedule_kw(data["schedule"]), variance_type=data["variance_type"],
                             prediction_type=data["prediction_type"], timestep_spacing=data["spacing"])
    i = data["i"]
    t, prev = ts[i], (ts[i + 1] if i + 1 < len(ts) else -1)
    ab_t, ab_s = ab[t], (ab[prev] if prev >= 0 else 1.0)
    mo = model_output_for(data["prediction_type"], x_t, x0, ab_t)
    mean, sigma = ddpm_step_decomposed(sched, mo, t, x_t, f"step at t = {t} → {prev}")
    a, b = ab_t / ab_s, 1 - ab_t / ab_s
    if prev < 0:  # the prior on x_s is δ(x0): the posterior is x0 itself
        exp_mean, exp_var = x0, None
    else:
        post_var = 1.0 / (1.0 / (1 - ab_s) + a / b)
        exp_mean = post_var * (math.sqrt(ab_s) * x0 / (1 - ab_s) + math.sqrt(a) * x_t / b)
        exp_var = post_var if data["variance_type"] == "fixed_small" else b
    s = step_scale(ab_t, x_t, x0)
    assert_close(mean / s, exp_mean / s, tol=STEP, what=f"posterior mean / s at t = {t} → {prev} (s = {s:.3g})")
    if prev >= 0:  # the last step's noise (none) is ddpm.delta_lands_on_x0's business
        assert_close(sigma ** 2, exp_var, tol=VARIANCE, what=f"σ² ({data['variance_type']}) at t = {t} → {prev}")


@st.composite
def chain_case(draw):
    cfg = draw(schedule_strategy((10, 1000)))
    # S ≤ min(T//2, 50): short chains for CI, and always S < T, so that trailing spacing ends above t = 0
    S = draw(st.integers(1, min(cfg["T"] // 2, 50)), label="S")
    return {**cfg, "S": S, "x0": draw(arrays((2, 3))), "x_T": draw(arrays((2, 3))),
            "prediction_type": draw(st.sampled_from(PREDICTIONS)), "seed": draw(st.integers(0, 2 ** 16))}


@invariant(TOPIC, "ddpm.delta_lands_on_x0",
           statement="data δ(x0), exact model ⇒ the ancestral chain ends at x0 for every seed, spacing and variance type",
           why="x̂0 = x0 at every step, and the last step targets ᾱ = 1, where μ̃ = x̂0 and no noise is added "
               "(Algorithm 2: z = 0 at the last step).  Noise on the last step, a chain that stops early, or a wrong "
               "x̂0 all leave the chain elsewhere.",
           source=f"{HO}, Algorithm 2 and eq. (7)", kind="tolerance", tolerance=STEP, strategy=chain_case(),
           max_examples=8)
def delta_lands_on_x0(impl, data):
    T, S, x0 = data["T"], data["S"], data["x0"]
    for spacing in SPACINGS:
        for variance_type in ("fixed_small", "fixed_large"):
            sched, ab, ts = prepared(impl, T, S, **schedule_kw(data["schedule"]),
                                     variance_type=variance_type, prediction_type=data["prediction_type"],
                                     timestep_spacing=spacing)
            model, g = delta_model(x0, ab, data["prediction_type"]), torch.Generator().manual_seed(data["seed"])
            x = t64(data["x_T"])
            for t in ts:
                x = t64(step_outputs(call(sched.step, model(x, t), t, x, generator=g), x0.shape, f"step at t = {t}")[0])
            s = step_scale(ab[ts[-1]], x0, data["x_T"])
            assert_close(x.numpy() / s, x0 / s, tol=STEP,
                         what=f"final sample / s ({spacing}, {variance_type}, S = {S}, last t = {ts[-1]})")


@invariant(TOPIC, "ddpm.timesteps_follow_spacing",
           statement="set_timesteps(S): S strictly decreasing ints in [0, T): leading i⌊T/S⌋+k, trailing round(T−iT/S)−1, linspace round(i(T−1)/(S−1))",
           why="The inference timesteps are a subsequence τ of 0 … T−1 (DDIM §4.2); the spacings are the three in "
               "common use, each with S entries, and a step at a timestep outside the schedule reads a wrong ᾱ.",
           source="Song et al. 2021 (arXiv:2010.02502) §4.2; Lin et al. 2024 (arXiv:2305.08891) Table 2",
           kind="exact", strategy=spacing_case(), max_examples=3)
def timesteps_follow_spacing(impl, data):
    check_spacings(impl, data, "ddpm")


@st.composite
def prediction_case(draw):
    case = draw(posterior_case())
    return {**case, "eps": draw(arrays((2, 3)))}


@invariant(TOPIC, "ddpm.prediction_types_agree",
           statement="model outputs ε, x0 = (x_t − √(1−ᾱ)ε)/√ᾱ and v = √ᾱ ε − √(1−ᾱ) x0 give the same step (same seed)",
           why="ε-, x0- and v-prediction are reparameterisations of one denoiser; a step must convert each to the "
               "same x̂0 and ε̂ (and so the same x_s).",
           source=f"{HO}, eq. (15); Salimans & Ho 2022 (arXiv:2202.00512) §4 and appendix D",
           kind="metamorphic", tolerance=STEP, strategy=prediction_case(), max_examples=15)
def prediction_types_agree(impl, data):
    T, x_t, eps = data["T"], data["x_t"], data["eps"]
    results = {}
    for pt in PREDICTIONS:
        sched, ab, ts = prepared(impl, T, data["S"], **schedule_kw(data["schedule"]),
                                 variance_type=data["variance_type"], prediction_type=pt,
                                 timestep_spacing=data["spacing"])
        t = ts[data["i"]]
        x0 = (x_t - math.sqrt(1 - ab[t]) * eps) / math.sqrt(ab[t])
        mo = {"epsilon": eps, "sample": x0, "v_prediction": math.sqrt(ab[t]) * eps - math.sqrt(1 - ab[t]) * x0}[pt]
        out = call(sched.step, t64(mo), t, t64(x_t), generator=torch.Generator().manual_seed(5))
        results[pt] = step_outputs(out, x_t.shape, f"{pt} step at t = {t}")
    assert_prediction_types_agree(results, step_scale(ab[t], x_t, eps), f"t = {t}")


@invariant(TOPIC, "ddpm.rejects_bad_input", category="validation",
           statement="S > T, a NaN sample, a timestep ∉ [0, T), add_noise at t ∉ [0, T) ⇒ ValueError naming the parameter",
           why="Each of these silently produces garbage otherwise (a wrapped index reads ᾱ_{T−1}; NaN propagates).",
           source="this project's contract (diffusers raises only for num_inference_steps > T)",
           kind="exact", strategy=schedule_strategy((10, 100)), max_examples=2)
def rejects_bad_input(impl, data):
    T = data["T"]
    sched = call(impl, **config(T, data["schedule"]))
    expect_value_error("num_inference_steps", sched.set_timesteps, T + 1)
    call(sched.set_timesteps, T)
    x = torch.zeros(2, 3, dtype=torch.float64)
    nan = x.clone()
    nan[0, 1] = float("nan")
    expect_value_error("sample", sched.step, x, T - 1, nan)
    expect_value_error("timestep", sched.step, x, T, x)
    expect_value_error("timestep", sched.step, x, -1, x)
    expect_value_error("timesteps", sched.add_noise, x, x, torch.tensor([0, T]))


# ------------------------------------------------------------------------------------------ cross-checks


@st.composite
def chain_crosscheck_case(draw):
    case = draw(chain_case())
    variance_type = draw(st.sampled_from(("fixed_small", "fixed_large")))
    # trailing + fixed_large differ by design at the last step (see ddpm.delta_lands_on_x0's expected failure)
    spacings = ("leading", "linspace") if variance_type == "fixed_large" else SPACINGS
    return {**case, "variance_type": variance_type, "spacing": draw(st.sampled_from(spacings))}


def run_chain(impl, data, model):
    T = data["T"]
    sched, ab, ts = prepared(impl, T, data["S"], **schedule_kw(data["schedule"]),
                             variance_type=data["variance_type"], prediction_type=data["prediction_type"],
                             timestep_spacing=data["spacing"])
    g, x, x0s = torch.Generator().manual_seed(data["seed"]), t64(data["x_T"]), []
    for t in ts:
        prev, x0_hat = step_outputs(call(sched.step, model(x, t), t, x, generator=g), x.shape, f"step at t = {t}")
        x, x0s = t64(prev), x0s + [x0_hat]
    return x.numpy(), np.stack(x0s), ab


CLAMP = Tolerance(rtol=CHAIN64.rtol, atol=1e-8, reason=(
    "a documented difference, not round-off: diffusers clamps the variance at 1e-20 before its square root, so a "
    "trailing chain's last step (t = T/S − 1 > 0, β̃ = 0) adds 1e-10·z with |z| ≲ 6, where the textbook adds nothing"))


@crosscheck(TOPIC, "ddpm.crosscheck.diffusers_float64",
            statement="reference = diffusers' DDPMScheduler (schedule overwritten in float64) over whole chains",
            why="Same update, same float64 schedule, same generator draws: any difference is a different formula.",
            source="diffusers 0.42 DDPMScheduler.step vs reference.diffusion.ddpm", tolerance=CHAIN64,
            strategy=chain_crosscheck_case(), max_examples=12,
            pairs=[("reference.diffusion.ddpm:DDPMScheduler", f"{ADAPTERS}:DDPMScheduler64")])
def crosscheck_diffusers_float64(impl_a, impl_b, data):
    xa, x0a, _ = run_chain(impl_a, data, smooth_model)
    xb, x0b, _ = run_chain(impl_b, data, smooth_model)
    final = CHAIN64 if data["spacing"] != "trailing" else CLAMP
    assert_close(xb, xa, tol=final, what="final sample")
    assert_close(x0b, x0a, tol=CHAIN64, what="pred_original_sample at every step")


@crosscheck(TOPIC, "ddpm.crosscheck.diffusers",
            statement="reference = diffusers' DDPMScheduler as shipped (float32 schedule): ᾱ, timesteps, every step",
            why="Two implementations of Ho et al.'s sampler; diffusers rounds its schedule to float32.",
            source="diffusers 0.42 DDPMScheduler vs reference.diffusion.ddpm", tolerance=STEP,
            strategy=chain_crosscheck_case(), max_examples=12,
            pairs=[("reference.diffusion.ddpm:DDPMScheduler", f"{ADAPTERS}:DDPMScheduler")])
def crosscheck_diffusers(impl_a, impl_b, data):
    T, S = data["T"], data["S"]
    kw = dict(schedule_kw(data["schedule"]), variance_type=data["variance_type"], prediction_type=data["prediction_type"], timestep_spacing=data["spacing"])
    a, ab_a, ts_a = prepared(impl_a, T, S, **kw)
    b, ab_b, ts_b = prepared(impl_b, T, S, **kw)
    assert_true(ts_a == ts_b, f"timesteps differ: {ts_a} vs {ts_b}")
    assert_close(ab_b, ab_a, tol=SCHEDULE, what="alphas_cumprod")
    x = t64(data["x_T"])
    for t in ts_a:  # one step at a time from the same input, so float32 errors do not compound
        mo = smooth_model(x, t)
        oa = step_outputs(call(a.step, mo, t, x, generator=torch.Generator().manual_seed(t)), x.shape, "reference")
        ob = step_outputs(call(b.step, mo, t, x, generator=torch.Generator().manual_seed(t)), x.shape, "diffusers")
        s = step_scale(ab_a[t], x.numpy(), mo.numpy())
        for k, name in enumerate(("prev_sample", "pred_original_sample")):
            assert_close(ob[k] / s, oa[k] / s, tol=STEP, what=f"{name} / s at t = {t}")
        x = t64(oa[0])
