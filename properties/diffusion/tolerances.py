"""The diffusion topics' tolerances, each with its float32 bound (diffusers as shipped keeps its schedule and every
step coefficient in float32) and its float64 bound (the reference, the ``*64`` adapters and any implementation that
declares ``precision = "float64"``).  Step outputs are compared in units of the step scale
s = (1 + max|inputs|)·(1/√ᾱ_t + 1/√(1 − ᾱ_t)) (``scheduler_api.step_scale``); the float64 bounds were measured with
every check's comparisons recorded over 4× the CI examples on the reference, a float64 ε-only DDIM and the
``*64`` adapters, and are set about 100× above the largest error seen.
"""
from __future__ import annotations

from properties.engine import Tolerance

STEP = Tolerance(atol=1e-5, reason=(
    "in units of the step scale s: an implementation may keep ᾱ and every step coefficient in float32 (diffusers "
    "does), each ≲ 4·2⁻²⁴ ≈ 2.4e-7 relative, amplified at most by 1/√ᾱ_t (x̂₀ from ε) or 1/√(1−ᾱ_t) (ε̂ from x̂₀), "
    "both inside s.  Measured (thorough profile): ≤ 5.1e-7 for diffusers against oracles built on its own ᾱ, ≤ 4.3e-6 "
    "against the float64 reference (whose ᾱ differs from diffusers' float32 one by ≤ 1.3e-5 relative)"),
    float64=Tolerance(atol=1e-12, reason=(
        "in units of the step scale s, float64 arithmetic throughout: a handful of roundings of 2⁻⁵³ ≈ 1.1e-16, "
        "amplified by at most 1/√ᾱ_t or 1/√(1−ᾱ_t), both inside s (and, over a chain, by ≤ 50 steps).  Measured "
        "(4× the CI examples; the reference, the *64 adapters where they follow the contract, a float64 ε-only "
        "DDIM): ≤ 4e-16 for one step, ≤ 2.1e-14 along an η = 0 chain of ≤ 50 steps")))

VARIANCE = Tolerance(atol=1e-6, reason=(
    "σ² ≤ 1 is formed from differences like 1 − ᾱ_t/ᾱ_s that a float32 implementation gets to ≲ 4·2⁻²⁴ ≈ 2.4e-7 "
    "absolute"),
    float64=Tolerance(atol=1e-13, reason=(
        "σ² ≤ 1 from float64 differences like 1 − ᾱ_t/ᾱ_s: a few ulps of 1 (2.2e-16 each); read off the step by "
        "probing, which adds one subtraction.  Measured (as for STEP): ≤ 1.7e-16")))

SCHEDULE = Tolerance(rtol=1e-4, reason=(
    "a float32 cumulative product of T ≤ 1000 factors carries ≤ T·2⁻²⁴ ≈ 6e-5 relative error (diffusers' schedules "
    "measured ≤ 1.3e-5); β itself is float32-rounded (≤ 6e-8)"),
    float64=Tolerance(rtol=1e-12, reason=(
        "a float64 cumulative product of T ≤ 1000 factors carries ≤ T·2⁻⁵³ ≈ 1.1e-13 relative error; the cosine "
        "schedule's ratio of cosines a few ulps more.  Measured (as for STEP): ≤ 5.8e-15 (ᾱ composed step by step), "
        "≤ 6.2e-16 (β and ᾱ against their definitions)")))

SCHEDULE_ABS = Tolerance(atol=SCHEDULE.rtol, reason=SCHEDULE.reason + "; absolute, as σ² ≤ 1",
                         float64=Tolerance(atol=SCHEDULE.float64.rtol, reason=SCHEDULE.float64.reason + "; absolute, as σ² ≤ 1"))

ADD_NOISE = Tolerance(rtol=1e-6, atol=1e-6, reason=(
    "√ᾱ_t x0 + √(1−ᾱ_t) ε against the same formula on the implementation's own ᾱ (cast to float64): a float32 "
    "implementation rounds √ᾱ and the products to ≲ 2·2⁻²⁴ ≈ 1.2e-7 relative of |x0|, |ε| ≤ 3"),
    float64=Tolerance(rtol=1e-12, atol=1e-12, reason=(
        "the same formula evaluated in float64 from the same ᾱ values: a few ulps")))

CHAIN64 = Tolerance(rtol=1e-10, atol=1e-10, reason=(
    "both in float64 with the same float64 schedule: round-off ~1e-16 amplified by 1/√ᾱ_t (≤ 2e4 for the cosine "
    "schedule's last step) over ≤ 50 steps; measured ≤ 5e-12"))

EXACT_DET = Tolerance(reason="η = 0 leaves no noise term: the same inputs must give bit-identical outputs")
STRICT_ORDER = Tolerance(reason="a strict inequality between exact (float64) distances")
FINITE = Tolerance(reason="finiteness: no arithmetic tolerance")
