"""DDIM inversion (the ``ddim`` contract's optional operation ``inversion``): its invariants and its cross-check,
registered on the ddim topic by :func:`register_inversion`.

``invert(x0, model_fn, S)`` runs eq. (12) with σ = 0 upwards over the sampler's own levels: from
``final_alpha_cumprod`` to τ_1, then τ_1 → τ_2 … → τ_S = ``timesteps[0]``, calling ``model_fn(x, τ)`` at the target
timestep (diffusers' DDIMInverseScheduler convention).
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from properties.diffusion.scheduler_api import (delta_model, output_for, prepared, smooth_model, step_outputs,
                                                 step_scale, t64, timesteps_of)
from properties.diffusion.strategies import arrays, integers, sampled, scheduler_case
from properties.diffusion.tolerances import CHAIN64, STEP, STRICT_ORDER
from properties.engine import Topic, assert_close, assert_true, call, crosscheck, expect_array, invariant
from properties.oracles.gaussian import gaussian_eps

DDIM_PAPER = "Song, Meng, Ermon 2021 (arXiv:2010.02502)"
NEEDS = {"operations": ("inversion",)}
#: the model output of an η = 0 inversion step is read at the *start* level; ε and v differ there from the target
#: level's, x0 (sample) does not — so the exact-on-δ invariant uses x0-prediction and the others ε and v
LEVEL_FREE = ("sample",)
LEVEL_BOUND = ("epsilon", "v_prediction")
ROUNDTRIP_STEPS = (8, 32, 128)


def sample_back(sched, model, x, T: int, S: int):
    call(sched.set_timesteps, S)
    for t in timesteps_of(sched, T, S):
        x = t64(step_outputs(call(sched.step, model(x, t), t, x, eta=0.0), tuple(x.shape), f"step at t = {t}")[0])
    return x


def register_inversion(topic: Topic, *, gaussian_case, adapter64: str) -> None:
    name = topic.name

    @st.composite
    def inversion_delta_case(draw):
        case = draw(scheduler_case(("beta_schedule", "timestep_spacing", "prediction_type", "set_alpha_to_one"),
                                   Ts=(10, 1000)))
        return {**case, "x0": draw(arrays((2, 3)), label="x0")}

    @st.composite
    def roundtrip_case(draw):
        return {**draw(gaussian_case(etas=(0.0,))), "x0_seed": draw(integers(0, 2 ** 16), label="x0_seed")}

    @st.composite
    def inversion_crosscheck_case(draw):
        # S = 7 and 30 do not divide T = 1000: there diffusers' inverse stride and the schedule's levels part
        return {**draw(gaussian_case(etas=(0.0,))), "S": draw(sampled((1, 5, 7, 10, 30, 50)), label="S"),
                "x0": draw(arrays((2, 3)), label="x0")}

    @invariant(topic, f"{name}.inversion_exact_on_delta",
               statement="δ(x0), x0-prediction, final ᾱ = ᾱ_0: invert(x0, S) = √ᾱ_{τ_S} x0 + √(1−ᾱ_{τ_S}) ε₀, and sampling it back gives x0",
               why="With x̂0 = x0 given, ε̂ = (x − √ᾱ x0)/√(1−ᾱ) is exact at the current level, so every η = 0 step up or "
                   "down stays on the ray √ᾱ x0 + √(1−ᾱ) ε₀, ε₀ = (1 − √ᾱ_0) x0/√(1−ᾱ_0), starting from x0 at level ᾱ_0; "
                   "inversion must end at the top level τ_S = timesteps[0] and sampling at ᾱ_0, i.e. at x0.",
               source=f"{DDIM_PAPER}, eq. (12) with σ = 0 and §4.3 (eq. 14)", kind="tolerance", tolerance=STEP,
               strategy=inversion_delta_case(), max_examples=10, requires=NEEDS,
               draws={"beta_schedule": None, "timestep_spacing": None, "prediction_type": LEVEL_FREE,
                      "set_alpha_to_one": (False,)})
    def inversion_exact_on_delta(impl, data):
        T, S, x0 = data["T"], data["S"], data["x0"]
        sched, ab, ts = prepared(impl, data)
        model = delta_model(x0, ab, "sample")
        eps0 = (1 - math.sqrt(ab[0])) * x0 / math.sqrt(1 - ab[0])
        top = ts[0]
        x_T = expect_array(call(sched.invert, t64(x0), model, S), shape=x0.shape, name=f"invert(S = {S})")
        s = step_scale(ab[top], x0)
        assert_close(x_T / s, (math.sqrt(ab[top]) * x0 + math.sqrt(1 - ab[top]) * eps0) / s,
                     what=f"invert(x0) / s vs the ray at the top level τ_S = {top}")
        x = sample_back(sched, model, t64(x_T), T, S)
        assert_close(x.numpy() / s, x0 / s, what=f"sample(invert(x0)) / s (S = {S})")

    @invariant(topic, f"{name}.inversion_roundtrip",
               statement="x0 → invert(S) → sample(η = 0, S) returns x0 with an error that strictly decreases over S = 8, 32, 128",
               why="Inversion runs the η = 0 ODE discretisation (eq. 14) forwards; sampling runs it back.  The model is "
                   "called at the target level going up and at the current level going down, a first-order mismatch "
                   "that vanishes as the step size does.  A convergence statement, not an identity: on this strategy's "
                   "domain (every schedule, spacing, set_alpha_to_one, ε and v) it held in every one of 1600 random "
                   "trials of the reference, as did S = 16, 64, 256 in 800 (with a step ratio of 3 it does not: "
                   "S = 16, 48, 144 failed 1 in 1600 and S = 10, 30, 90 2 in 600, pre-asymptotically).",
               source=f"{DDIM_PAPER}, §4.3 and §5.4 (reconstruction error falls with S, Table 2)", kind="metamorphic",
               tolerance=STRICT_ORDER, strategy=roundtrip_case(),
               max_examples=3, requires=NEEDS,
               draws={"beta_schedule": None, "timestep_spacing": None, "prediction_type": LEVEL_BOUND,
                      "set_alpha_to_one": None})
    def inversion_roundtrip(impl, case):
        mu, Sigma, pt = case["mu"], case["Sigma"], case["prediction_type"]
        x0 = np.random.default_rng(case["x0_seed"]).multivariate_normal(mu, Sigma, size=2)
        errors = []
        for S in ROUNDTRIP_STEPS:
            sched, ab, _ = prepared(impl, case, S=S)

            def model(x, t):
                x = x.detach().cpu().numpy()
                return t64(output_for(pt, x, gaussian_eps(x, mu, Sigma, ab[int(t)]), ab[int(t)]))

            x = t64(expect_array(call(sched.invert, t64(x0), model, S), shape=x0.shape, name=f"invert(S = {S})"))
            errors.append(float(np.abs(sample_back(sched, model, x, case["T"], S).numpy() - x0).max()))
        assert_true(all(a > b for a, b in zip(errors, errors[1:])),
                    f"max |sample(invert(x0)) − x0| over S = {ROUNDTRIP_STEPS}: {['%.3g' % e for e in errors]} — not decreasing")

    @crosscheck(topic, f"{name}.crosscheck.inversion_float64",
                statement="reference invert = diffusers' DDIMInverseScheduler loop (float64 schedule)",
                why="Both walk the levels of set_timesteps upwards with η = 0, calling the model at the target timestep.",
                source="diffusers 0.42 DDIMInverseScheduler vs reference.diffusion.ddim.DDIMScheduler.invert",
                tolerance=CHAIN64,
                strategy=inversion_crosscheck_case(),
                draws={"beta_schedule": None, "timestep_spacing": None, "prediction_type": LEVEL_BOUND,
                       "set_alpha_to_one": None},
                max_examples=10, pairs=[("reference.diffusion.ddim:DDIMScheduler", adapter64)])
    def crosscheck_inversion(impl_a, impl_b, case):
        S, x0 = case["S"], case["x0"]
        outs = []
        for impl in (impl_a, impl_b):
            sched, _, _ = prepared(impl, case, S=S)
            outs.append(expect_array(call(sched.invert, t64(x0), smooth_model, S), shape=x0.shape, name="invert"))
        assert_close(outs[1], outs[0], what=f"invert(x0, S = {S})")
