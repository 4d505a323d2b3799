"""DDPM: invariants of noise schedules, the forward process, the posterior and ancestral sampling.

Contract (diffusers' ``DDPMScheduler`` with the textbook update, i.e. ``clip_sample=False``)::

    s = Cls(num_train_timesteps=T, beta_schedule=name, beta_start=b0, beta_end=b1, trained_betas=None,
            variance_type="fixed_small" | "fixed_large", prediction_type="epsilon" | "sample" | "v_prediction",
            timestep_spacing="leading" | "trailing" | "linspace", steps_offset=0)
    s.betas, s.alphas_cumprod            # (T,) β_t and ᾱ_t = ∏_{s≤t}(1 − β_s), t = 0 … T−1 (0-based)
    s.add_noise(x0, eps, timesteps)      # √ᾱ_t x0 + √(1−ᾱ_t) eps, integer timesteps, one or one per batch row
    s.set_timesteps(S); s.timesteps     # S decreasing ints in [0, T) under the spacing
    out = s.step(model_output, t, x_t, generator=g)      # t must be one of s.timesteps
    out.prev_sample, out.pred_original_sample
        # x_s = μ̃(x_t, x̂0) + σ z, s = the next entry of timesteps (ᾱ = 1 after the last),
        # z = torch.randn(model_output.shape, generator=g, dtype=model_output.dtype); no noise on the last step;
        # σ² = β̃ (fixed_small) or β = 1 − ᾱ_t/ᾱ_s (fixed_large, the DDIM paper's σ̂)

Option axes: ``beta_schedule``, ``timestep_spacing``, ``prediction_type``, ``variance_type`` (declare a part with
``invariants_support``).  Bad input (S > T, NaN, a timestep outside the schedule, non-integer or miscounted
``add_noise`` timesteps, ``trained_betas`` outside (0, 1), a fractional ``steps_offset``) raises ``ValueError``
naming the parameter.

Oracles come from closed-form Gaussian algebra (``properties.oracles.gaussian``).  Every oracle that needs ᾱ reads
the implementation's own ``alphas_cumprod`` (cast to float64), so a float32 schedule costs only float32
*arithmetic* error; whether ᾱ itself is right is the separate ``ddpm.schedule_definition``.  Step outputs are
compared in units of the step's scale s = (1 + max|inputs|)·(1/√ᾱ_t + 1/√(1 − ᾱ_t)); tolerances follow the
implementation's declared precision (``properties.diffusion.tolerances``).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion import diffusers_records as records
from properties.diffusion.axes import option_axes
from properties.diffusion.forward_process import HO, register_forward_process
from properties.diffusion.scheduler_api import (FINAL, PREDICTIONS, assert_prediction_types_agree, delta_model,
                                                 model_output_for, prepared, previous_level, smooth_model,
                                                 step_outputs, step_scale, t64)
from properties.diffusion.spacings import register_spacing_invariant
from properties.diffusion.strategies import arrays, integers, scheduler_case
from properties.diffusion.tolerances import CHAIN64, SCHEDULE, STEP, VARIANCE
from properties.diffusion.validation import register_validation
from properties.engine import (Implementation, SkipCheck, Topic, assert_close, assert_true, call, crosscheck,
                               invariant, supports)

ADAPTERS = "properties.adapters.diffusers_schedulers"
AXES = ("beta_schedule", "timestep_spacing", "prediction_type", "variance_type")
ALL = {axis: None for axis in AXES}

TOPIC = Topic(
    name="ddpm",
    title="DDPM: schedules, forward process, posterior, ancestral sampling",
    contract=__doc__,
    reference="reference.diffusion.ddpm:DDPMScheduler",
    implementations=[
        Implementation(f"{ADAPTERS}:DDPMScheduler", requires=("diffusers",), precision="float32",
                       expected=records.ddpm(float64=False)),
        Implementation(f"{ADAPTERS}:DDPMScheduler64", requires=("diffusers",), precision="float64",
                       expected=records.ddpm(float64=True),
                       note="diffusers' DDPMScheduler with its schedule overwritten in float64"),
    ],
    axes=option_axes(AXES, generator=True),
)

register_forward_process(TOPIC)
register_spacing_invariant(TOPIC, "Song et al. 2021 (arXiv:2010.02502) §4.2; Lin et al. 2024 (arXiv:2305.08891) Table 2")


def _generator_kw():
    return {"generator": torch.Generator().manual_seed(0)}


register_validation(
    TOPIC, extra={}, step_kw=_generator_kw,
    statement="S > T, NaN, a timestep ∉ timesteps, add_noise t ∉ ℤ ∩ [0, T) or miscounted, β ∉ (0, 1), steps_offset ∉ ℕ ⇒ ValueError naming it",
    why="Each silently produces garbage otherwise: a wrapped index reads ᾱ_{T−1}, a fractional timestep is "
        "truncated, NaN propagates, β ≥ 1 makes ᾱ zero or negative.")


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
    case = draw(scheduler_case(AXES, step_index=True))
    return {**case, "x_t": draw(arrays((2, 3)), label="x_t"), "x0": draw(arrays((2, 3)), label="x0")}


POSTERIOR_CASE = posterior_case()


@invariant(TOPIC, "ddpm.posterior_is_gaussian_product",
           statement="step: x_s ~ N(μ̃, σ²I), μ̃ ∝ prior N(√ᾱ_s x0, 1−ᾱ_s) × likelihood N(x_t; √(ᾱ_t/ᾱ_s) x_s, 1−ᾱ_t/ᾱ_s); σ² = β̃ or β",
           why="The reverse step samples q(x_s | x_t, x̂0): Bayes' rule on two Gaussians (a precision-weighted mean), computed "
               "here independently of the closed form (7); fixed_small uses its variance β̃, fixed_large the forward β.",
           source=f"{HO}, eqs. (6)-(7) and §3.2; DDIM (arXiv:2010.02502) appendix C.1 for strides",
           kind="tolerance", tolerance={"default": STEP, "variance": VARIANCE}, strategy=POSTERIOR_CASE, draws=ALL,
           max_examples=25)
def posterior_is_gaussian_product(impl, data):
    x_t, x0, i = data["x_t"], data["x0"], data["i"]
    sched, ab, ts = prepared(impl, data)
    t, prev = ts[i], previous_level(ts, i)
    ab_t, ab_s = ab[t], (ab[prev] if prev != FINAL else 1.0)
    mo = model_output_for(data["prediction_type"], x_t, x0, ab_t)
    mean, sigma = ddpm_step_decomposed(sched, mo, t, x_t, f"step at t = {t} → {prev}")
    a, b = ab_t / ab_s, 1 - ab_t / ab_s
    if prev == FINAL:  # the prior on x_s is δ(x0): the posterior is x0 itself
        exp_mean, exp_var = x0, None
    else:
        post_var = 1.0 / (1.0 / (1 - ab_s) + a / b)
        exp_mean = post_var * (math.sqrt(ab_s) * x0 / (1 - ab_s) + math.sqrt(a) * x_t / b)
        exp_var = post_var if data["variance_type"] == "fixed_small" else b
    s = step_scale(ab_t, x_t, x0)
    assert_close(mean / s, exp_mean / s, what=f"posterior mean / s at t = {t} → {prev} (s = {s:.3g})")
    if prev != FINAL:  # the last step's noise (none) is ddpm.delta_lands_on_x0's business
        assert_close(sigma ** 2, exp_var, tol="variance", what=f"σ² ({data['variance_type']}) at t = {t} → {prev}")


@st.composite
def chain_case(draw):
    # S ≤ min(T//2, 50): short chains for CI, and always S < T, so that trailing spacing ends above t = 0
    case = draw(scheduler_case(AXES, S_below_T=True))
    return {**case, "x0": draw(arrays((2, 3)), label="x0"), "x_T": draw(arrays((2, 3)), label="x_T"),
            "seed": draw(integers(0, 2 ** 16), label="seed")}


@invariant(TOPIC, "ddpm.delta_lands_on_x0",
           statement="data δ(x0), exact model ⇒ the ancestral chain ends at x0 for every seed, spacing and variance type",
           why="x̂0 = x0 at every step, and the last step targets ᾱ = 1, where μ̃ = x̂0 and no noise is added "
               "(Algorithm 2: z = 0 at the last step).  Noise on the last step, a chain that stops early, or a wrong "
               "x̂0 all leave the chain elsewhere.",
           source=f"{HO}, Algorithm 2 and eq. (7)", kind="tolerance", tolerance=STEP, strategy=chain_case(), draws=ALL,
           max_examples=20)
def delta_lands_on_x0(impl, data):
    S, x0 = data["S"], data["x0"]
    sched, ab, ts = prepared(impl, data)
    model, g = delta_model(x0, ab, data["prediction_type"]), torch.Generator().manual_seed(data["seed"])
    x = t64(data["x_T"])
    for t in ts:
        x = t64(step_outputs(call(sched.step, model(x, t), t, x, generator=g), x0.shape, f"step at t = {t}")[0])
    s = step_scale(ab[ts[-1]], x0, data["x_T"])
    assert_close(x.numpy() / s, x0 / s, what=f"final sample / s ({data['timestep_spacing']}, {data['variance_type']}, "
                                              f"S = {S}, last t = {ts[-1]})")


@st.composite
def prediction_case(draw):
    case = draw(POSTERIOR_CASE)
    return {**case, "eps": draw(arrays((2, 3)), label="eps")}


@invariant(TOPIC, "ddpm.prediction_types_agree",
           statement="model outputs ε, x0 = (x_t − √(1−ᾱ)ε)/√ᾱ and v = √ᾱ ε − √(1−ᾱ) x0 give the same step (same seed)",
           why="ε-, x0- and v-prediction are reparameterisations of one denoiser; a step must convert each to the "
               "same x̂0 and ε̂ (and so the same x_s).  The drawn type is compared with every other supported one.",
           source=f"{HO}, eq. (15); Salimans & Ho 2022 (arXiv:2202.00512) §4 and appendix D",
           kind="metamorphic", tolerance=STEP, strategy=prediction_case(), draws=ALL, max_examples=15)
def prediction_types_agree(impl, data):
    x_t, eps, drawn = data["x_t"], data["eps"], data["prediction_type"]
    types = [pt for pt in PREDICTIONS if pt == drawn or supports("prediction_type", pt)]
    if len(types) < 2:
        raise SkipCheck(f"needs two supported prediction types; the implementation supports only {drawn!r}")
    results = {}
    for pt in types:
        sched, ab, ts = prepared(impl, data, prediction_type=pt)
        t = ts[data["i"]]
        x0 = (x_t - math.sqrt(1 - ab[t]) * eps) / math.sqrt(ab[t])
        mo = {"epsilon": eps, "sample": x0, "v_prediction": math.sqrt(ab[t]) * eps - math.sqrt(1 - ab[t]) * x0}[pt]
        out = call(sched.step, t64(mo), t, t64(x_t), generator=torch.Generator().manual_seed(5))
        results[pt] = step_outputs(out, x_t.shape, f"{pt} step at t = {t}")
    assert_prediction_types_agree(results, drawn, step_scale(ab[t], x_t, eps), f"t = {t}")


# ------------------------------------------------------------------------------------------ cross-checks


def run_chain(impl, data, model):
    sched, ab, ts = prepared(impl, data)
    g, x, x0s = torch.Generator().manual_seed(data["seed"]), t64(data["x_T"]), []
    for t in ts:
        prev, x0_hat = step_outputs(call(sched.step, model(x, t), t, x, generator=g), x.shape, f"step at t = {t}")
        x, x0s = t64(prev), x0s + [x0_hat]
    return x.numpy(), np.stack(x0s), ab


@crosscheck(TOPIC, "ddpm.crosscheck.diffusers_float64",
            statement="reference = diffusers' DDPMScheduler (schedule overwritten in float64) over whole chains",
            why="Same update, same float64 schedule, same generator draws: any difference is a different formula.",
            source="diffusers 0.42 DDPMScheduler.step vs reference.diffusion.ddpm", tolerance=CHAIN64,
            strategy=chain_case(), draws=ALL, max_examples=12,
            pairs=[("reference.diffusion.ddpm:DDPMScheduler", f"{ADAPTERS}:DDPMScheduler64")])
def crosscheck_diffusers_float64(impl_a, impl_b, data):
    xa, x0a, _ = run_chain(impl_a, data, smooth_model)
    xb, x0b, _ = run_chain(impl_b, data, smooth_model)
    assert_close(x0b, x0a, what="pred_original_sample at every step")
    assert_close(xb, xa, what="final sample")


@crosscheck(TOPIC, "ddpm.crosscheck.diffusers",
            statement="reference = diffusers' DDPMScheduler as shipped (float32 schedule): ᾱ, timesteps, every step",
            why="Two implementations of Ho et al.'s sampler; diffusers rounds its schedule to float32.",
            source="diffusers 0.42 DDPMScheduler vs reference.diffusion.ddpm",
            tolerance={"default": STEP, "schedule": SCHEDULE},
            strategy=chain_case(), draws=ALL, max_examples=12,
            pairs=[("reference.diffusion.ddpm:DDPMScheduler", f"{ADAPTERS}:DDPMScheduler")])
def crosscheck_diffusers(impl_a, impl_b, data):
    a, ab_a, ts_a = prepared(impl_a, data)
    b, ab_b, ts_b = prepared(impl_b, data)
    assert_true(ts_a == ts_b, f"timesteps differ: {ts_a} vs {ts_b}")
    assert_close(ab_b, ab_a, tol="schedule", what="alphas_cumprod")
    x = t64(data["x_T"])
    for t in ts_a:  # one step at a time from the same input, so float32 errors do not compound
        mo = smooth_model(x, t)
        oa = step_outputs(call(a.step, mo, t, x, generator=torch.Generator().manual_seed(t)), x.shape, "reference")
        ob = step_outputs(call(b.step, mo, t, x, generator=torch.Generator().manual_seed(t)), x.shape, "diffusers")
        s = step_scale(ab_a[t], x.numpy(), mo.numpy())
        for k, name in enumerate(("prev_sample", "pred_original_sample")):
            assert_close(ob[k] / s, oa[k] / s, what=f"{name} / s at t = {t}")
        x = t64(oa[0])
