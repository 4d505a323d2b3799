"""diffusers' DDPMScheduler and DDIMScheduler: where they differ from the ddpm / ddim contracts, as narrow
expected-failure records.  Each record's sub-domain is a predicate computed from the drawn example (T, S, the
spacing, the step index, …) and, where practical, the failure expected there; every other example is judged.

Upstream status (diffusers 0.42):

* DDIM steps to t − ⌊T/S⌋, not to the next timestep (open bug: issues #12633, #11347; DDPMScheduler was fixed in
  PR #9384; the open PR #14357 would fix DDIM, though its claim that trailing spacing is unaffected does not hold:
  T = 1000, S = 13 has timesteps 999, 922, … and diffusers steps 999 → 923).  Under linspace, under trailing where
  T/S is not an integer, and at the last step of leading spacing with steps_offset = 1 and ⌊T/S⌋ = 1 (it ends at
  ᾱ_0, not at final_alpha_cumprod), that is another level than the schedule's own; DDIMInverseScheduler does the
  same going up.
* trailing timesteps come from np.arange(T, 0, −T/S), which has S + 1 entries for some S (its float step
  overshoots); diffusers keeps them all, the last one −1.
* DDPM adds noise whenever t > 0 rather than on every step but the last: a chain whose last timestep is above 0
  (trailing spacing) gets N(0, 1 − ᾱ_t) noise on its output with fixed_large, 1e-10·z with fixed_small (the
  variance is clamped at 1e-20 before its square root).
* DDIM's float32 coefficients lose 1 − ᾱ_s − σ² at t = 999 of the cosine schedule with η = 1 (ᾱ_t ≈ 2.4e-9): NaN.
* DDIMInverseScheduler implements only leading and trailing spacing (open feature request #10529).
* No input validation beyond num_inference_steps ≤ T (by case, below).
"""
from __future__ import annotations

import re

from properties.diffusion.spacings import SPACING_TS, spacing_timesteps, trailing_extra_entry
from properties.diffusion.strategies import GAUSSIAN_STEPS
from properties.engine import Expected

FINAL = -1


# ----------------------------------------------------------------------------------------- sub-domains


def _timesteps(d: dict) -> list[int]:
    return spacing_timesteps(d["T"], d["S"], d.get("timestep_spacing", "leading"), d.get("steps_offset", 0))


def _level_alpha_key(level: int, set_alpha_to_one: bool) -> int:
    """Levels with the same ᾱ compare equal: below 0 is final_alpha_cumprod, which is ᾱ_0 without set_alpha_to_one."""
    if level >= 0:
        return level
    return FINAL if set_alpha_to_one else 0


def stride_differs_at(d: dict, i: int) -> bool:
    """diffusers' DDIM level t − ⌊T/S⌋ and the contract's (the next timestep) have different ᾱ at step i."""
    ts = _timesteps(d)
    ours = ts[i + 1] if i + 1 < len(ts) else FINAL
    theirs = ts[i] - d["T"] // d["S"]
    one = d.get("set_alpha_to_one", True)
    return _level_alpha_key(ours, one) != _level_alpha_key(theirs, one)


def stride_differs_in_chain(d: dict) -> bool:
    return any(stride_differs_at(d, i) for i in range(d["S"]))


def last_timestep_positive(d: dict) -> bool:
    return _timesteps(d)[-1] > 0


# -------------------------------------------------------------------------------------------- records

TRAILING_BUG = ("diffusers builds trailing timesteps with np.arange(T, 0, −T/S), whose float step gives S + 1 "
                "entries ending at −1 for some S")
TRAILING_WHERE = "trailing spacing, at exactly the S for which np.arange(T, 0, −T/S) has S + 1 entries"


def _trailing_match() -> str:
    lines = []
    for T in SPACING_TS:
        bad = list(trailing_extra_entry(T))
        if bad:
            lines.append(re.escape(f"trailing, T = {T}, steps_offset = 0: set_timesteps(S) violates the spacing at "
                                   f"S = {bad}; first: {bad[0] + 1} timesteps for S = {bad[0]}"))
    return "^(" + "|".join(lines) + ")$"


def trailing_record(topic: str) -> Expected:
    return Expected(f"{topic}.timesteps_follow_spacing", TRAILING_BUG, where=TRAILING_WHERE,
                    when=lambda d: d["timestep_spacing"] == "trailing" and bool(trailing_extra_entry(d["T"])),
                    match=_trailing_match())


def validation_records(topic: str, cases: dict[str, tuple[str, str]]) -> tuple[Expected, ...]:
    """One record per bad-input case diffusers does not reject with a ValueError naming the parameter: case →
    (what diffusers does, the failure it gives)."""
    return tuple(Expected(f"{topic}.rejects_bad_input", f"diffusers does not validate this input: {why}",
                          where=f"the bad-input case {case!r}", when=lambda d, c=case: d["case"] == c, match=match)
                 for case, (why, match) in cases.items())


SILENT = "was accepted silently"
SHARED_NO_VALIDATION = {
    "NaN sample": ("a NaN sample passes through to the output", SILENT),
    "add_noise at t = T": ("an IndexError from alphas_cumprod[T]", "raised IndexError"),
    "add_noise at t = 2.7": ("a float timestep tensor raises IndexError (tensors used as indices must be integers)",
                             "raised IndexError"),
    "add_noise with 3 timesteps for 2 rows": ("a broadcasting RuntimeError", "raised RuntimeError"),
    "trained_betas with NaN": ("NaN betas give a NaN schedule", SILENT),
    "trained_betas outside (0, 1)": ("β ≥ 1 or ≤ 0 gives ᾱ ≤ 0 or ≥ 1", SILENT),
    "steps_offset = 2.5": ("numpy's UFuncTypeError (a TypeError) from adding 2.5 to integer timesteps",
                           "raised UFuncTypeError"),
}
DDPM_NO_VALIDATION = {
    case: ("previous_timestep finds no such timestep: an IndexError", "raised IndexError")
    for case in ("timestep = T", "timestep = −1", "timestep not in timesteps")}
DDIM_NO_VALIDATION = {
    "timestep = T": ("an IndexError from alphas_cumprod[T]", "raised IndexError"),
    "timestep = −1": ("alphas_cumprod[−1] silently reads ᾱ_{T−1}", SILENT),
    "timestep not in timesteps": ("any timestep is stepped to t − ⌊T/S⌋", SILENT),
    "η < 0": ("η < 0 flips the sign of the noise term", SILENT),
}


#: a difference below 1e-8 (numpy's report of the largest violation): the 1e-10·z of the variance clamp
TINY = r"Max absolute difference among violations: \d(\.\d+)?e-(09|1\d)\n"
FINAL_NOISE = ("diffusers adds the step's noise whenever t > 0 instead of on every step but the last (Ho et al., "
               "Algorithm 2): a chain whose last timestep is above 0 (trailing spacing: T/S − 1) ends with noise "
               "of variance β = 1 − ᾱ_t (fixed_large) on its output")
CLAMP = ("the same last step with fixed_small: β̃ = 0 there, but diffusers clamps the variance at 1e-20 before its "
         "square root and adds 1e-10·z — visible at float64 bounds only")
LAST_ABOVE_0 = "the chain's last timestep is above 0 (trailing spacing)"


def ddpm(float64: bool) -> tuple[Expected, ...]:
    """Records of diffusers' DDPMScheduler (``float64``: the adapter with a float64 schedule, judged at float64)."""
    topic = "ddpm"
    large = lambda d: d["variance_type"] == "fixed_large" and last_timestep_positive(d)  # noqa: E731
    small = lambda d: d["variance_type"] == "fixed_small" and last_timestep_positive(d)  # noqa: E731
    out = [trailing_record(topic)]
    out += validation_records(topic, {**SHARED_NO_VALIDATION, **DDPM_NO_VALIDATION})
    out.append(Expected(f"{topic}.delta_lands_on_x0", FINAL_NOISE, where=f"{LAST_ABOVE_0}, fixed_large", when=large,
                        match=r"^final sample / s"))
    if float64:
        out.append(Expected(f"{topic}.delta_lands_on_x0", CLAMP, where=f"{LAST_ABOVE_0}, fixed_small", when=small,
                            match=r"^final sample / s.*" + TINY))
        out.append(Expected(f"{topic}.crosscheck.diffusers_float64", FINAL_NOISE, where=f"{LAST_ABOVE_0}, fixed_large",
                            when=large, match=r"^final sample"))
        out.append(Expected(f"{topic}.crosscheck.diffusers_float64", CLAMP, where=f"{LAST_ABOVE_0}, fixed_small",
                            when=small, match=r"^final sample.*" + TINY))
    else:
        out.append(Expected(f"{topic}.crosscheck.diffusers", FINAL_NOISE, where=f"{LAST_ABOVE_0}, fixed_large",
                            when=large, match=r"^prev_sample / s at t = "))
    return tuple(out)


STRIDE = ("diffusers' DDIMScheduler steps to t − ⌊T/S⌋, not to the next timestep of its own schedule (open bug: "
          "diffusers issues #12633 and #11347; DDPMScheduler was fixed the same way in PR #9384)")
STRIDE_STEP = "the step's level t − ⌊T/S⌋ has another ᾱ than the next timestep's (linspace; trailing where T/S ∉ ℕ)"
STRIDE_CHAIN = "some step of the chain has a level t − ⌊T/S⌋ with another ᾱ than the next timestep's"
INVERSE_STRIDE = ("diffusers' DDIMInverseScheduler starts the step to τ at τ − ⌊T/S⌋, not at the schedule's next "
                  "lower timestep (the sampler's stride, going up)")
NO_LINSPACE_INVERSION = ("diffusers' DDIMInverseScheduler implements only leading and trailing spacing (open feature "
                         "request, diffusers issue #10529)")
F32_NAN = ("diffusers' float32 coefficients: at t = 999 of the cosine schedule (ᾱ_t ≈ 2.4e-9) with η = 1, "
           "1 − ᾱ_s − σ² rounds below 0 and its square root is NaN; the float64-schedule variant is finite")


def _step_index(d: dict) -> int:
    return d["i"]


def ddim(float64: bool) -> tuple[Expected, ...]:
    """Records of diffusers' DDIMScheduler (``float64``: the adapter with a float64 schedule, judged at float64)."""
    topic = "ddim"
    out = [trailing_record(topic)]
    out += validation_records(topic, {**SHARED_NO_VALIDATION, **DDIM_NO_VALIDATION})
    at_step = lambda d: stride_differs_at(d, _step_index(d))  # noqa: E731
    out += [
        Expected(f"{topic}.delta_lands_on_x0", STRIDE, where=STRIDE_CHAIN, when=stride_differs_in_chain,
                 match=r"^x / s after the step at t = "),
        Expected(f"{topic}.marginal_preservation", STRIDE, where=STRIDE_STEP, when=at_step,
                 match=r"^(mean|covariance) / s of x_s "),
        Expected(f"{topic}.sigma_eta", STRIDE, where=STRIDE_STEP + ", η > 0",
                 when=lambda d: d["eta"] > 0 and at_step(d), match=r"^noise covariance "),
        Expected(f"{topic}.crosscheck.diffusers_float64" if float64 else f"{topic}.crosscheck.diffusers", STRIDE,
                 where=STRIDE_CHAIN, when=stride_differs_in_chain),
    ]
    closer = lambda d: any(stride_differs_in_chain({**d, "S": S}) for S in GAUSSIAN_STEPS)  # noqa: E731
    out.append(Expected(f"{topic}.gaussian_closer_with_more_steps", STRIDE + "; on the wrong levels the output need "
                        "not approach the data as S grows", strict=False,
                        where=f"a chain of some S ∈ {GAUSSIAN_STEPS} has a level t − ⌊T/S⌋ with another ᾱ than the "
                              "next timestep's", when=closer, match=r"— not decreasing$"))
    linspace = lambda d: d["timestep_spacing"] == "linspace"  # noqa: E731
    for inv in ("inversion_exact_on_delta", "inversion_roundtrip") + (("crosscheck.inversion_float64",) if float64 else ()):
        out.append(Expected(f"{topic}.{inv}", NO_LINSPACE_INVERSION, where="linspace spacing", when=linspace,
                            match=r"ValueError in DDIMScheduler\.invert\(\): linspace is not supported"))
    out.append(Expected(f"{topic}.inversion_exact_on_delta", INVERSE_STRIDE, where=STRIDE_CHAIN + " (up or down)",
                        when=lambda d: d["timestep_spacing"] != "linspace" and stride_differs_in_chain(d),
                        match=r"^(invert\(x0\)|sample\(invert\(x0\)\)) / s"))
    if float64:
        out.append(Expected(f"{topic}.crosscheck.inversion_float64", INVERSE_STRIDE, where=STRIDE_CHAIN + " (going up)",
                            when=lambda d: d["timestep_spacing"] != "linspace" and stride_differs_in_chain(d),
                            match=r"^invert\(x0, S = "))
    if not float64:
        first_999 = lambda d: d["beta_schedule"] == "squaredcos_cap_v2" and d["timestep_spacing"] != "leading"  # noqa: E731
        out += [
            Expected(f"{topic}.finite_for_every_eta", F32_NAN,
                     where="the cosine schedule under trailing or linspace spacing (whose first timestep is 999)",
                     when=first_999, match=r": \[('S = \d: t = 999 at η = 1\.0'(, )?)+\]$"),
            Expected(f"{topic}.marginal_preservation", F32_NAN, strict=False,
                     where="the cosine schedule, the step at t = 999, η = 1",
                     when=lambda d: (d["beta_schedule"] == "squaredcos_cap_v2" and d["eta"] == 1.0
                                     and _timesteps(d)[d["i"]] == 999), match="NaN"),
        ]
    return tuple(out)
