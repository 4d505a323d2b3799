"""Diffusion checks' shared machinery (DDPM and DDIM): the tolerance rules for float32 schedulers,
configurations and strategies, reading ᾱ and timesteps from an implementation, step outputs,
model outputs of each prediction type for a data point, the timestep-spacing rules.
The invariants are in ``properties.diffusion.ddpm`` and ``properties.diffusion.ddim``.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.engine import (Expected, ImplementationFailure, InvariantViolation, Tolerance, assert_close, assert_true, call,
                               expect_array)
from properties.oracles.gaussian import delta_eps

ADAPTERS = "properties.adapters.diffusers_schedulers"
TRAILING_BUG = ("diffusers builds trailing timesteps with np.arange(T, 0, −T/S), whose float step gives S + 1 "
                "entries ending at −1 for some S (T = 1000: S = 61, 103, 121, …; T = 50: S = 29, 31)")


SCHEDULES = {"linear": (1e-4, 0.02), "scaled_linear": (0.00085, 0.012), "squaredcos_cap_v2": (1e-4, 0.02)}
SPACINGS = ("leading", "trailing", "linspace")
PREDICTIONS = ("epsilon", "sample", "v_prediction")
EPS32 = 2.0 ** -24

STEP = Tolerance(atol=1e-5, reason=(
    "in units of the step scale s: an implementation may keep ᾱ and every step coefficient in float32 (diffusers "
    "does), each ≲ 4·2⁻²⁴ ≈ 2.4e-7 relative, amplified at most by 1/√ᾱ_t (x̂₀ from ε) or 1/√(1−ᾱ_t) (ε̂ from x̂₀), "
    "both inside s.  Measured (thorough profile): ≤ 5.1e-7 for diffusers against oracles built on its own ᾱ, ≤ 4.3e-6 "
    "against the float64 reference (whose ᾱ differs from diffusers' float32 one by ≤ 1.3e-5 relative), ~1e-15 for "
    "float64 implementations"))
VARIANCE = Tolerance(atol=1e-6, reason=(
    "σ² ≤ 1 is formed from differences like 1 − ᾱ_t/ᾱ_s that a float32 implementation gets to ≲ 4·2⁻²⁴ ≈ 2.4e-7 "
    "absolute"))
SCHEDULE = Tolerance(rtol=1e-4, reason=(
    "a float32 cumulative product of T ≤ 1000 factors carries ≤ T·2⁻²⁴ ≈ 6e-5 relative error (diffusers' schedules "
    "measured ≤ 1.3e-5); β itself is float32-rounded (≤ 6e-8)"))
FLOAT64 = Tolerance(rtol=1e-12, atol=1e-12, reason=(
    "the same formula evaluated in float64 from the same ᾱ values: a few ulps"))


# ------------------------------------------------------------------------------------------ shared helpers


def interim(records: dict, strict: bool = True) -> tuple:
    """Expected-failure records over every example (to be narrowed to their sub-domains)."""
    return tuple(Expected(i, r, where="every example (not yet narrowed)", when=lambda d: True, strict=strict)
                 for i, r in records.items())


def schedule_kw(schedule: str) -> dict:
    b0, b1 = SCHEDULES[schedule]
    return dict(beta_schedule=schedule, beta_start=b0, beta_end=b1)


def config(T: int, schedule: str) -> dict:
    return dict(num_train_timesteps=T, **schedule_kw(schedule))


def t64(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def alpha_bar_of(sched, T: int) -> np.ndarray:
    ab = expect_array(sched.alphas_cumprod, shape=(T,), name="alphas_cumprod").astype(np.float64)
    if not ((ab > 0) & (ab < 1)).all():
        raise ImplementationFailure(f"alphas_cumprod must lie in (0, 1); got range [{ab.min()}, {ab.max()}]")
    return ab


def timesteps_of(sched, T: int, S: int | None = None) -> list[int]:
    ts = expect_array(sched.timesteps, name="timesteps", dtype_kind="iu").reshape(-1)
    if S is not None and len(ts) != S:
        raise ImplementationFailure(f"set_timesteps({S}) gave {len(ts)} timesteps: {ts.tolist()[:4]}…{ts.tolist()[-3:]}")
    if len(ts) and (ts.min() < 0 or ts.max() >= T):
        raise ImplementationFailure(f"timesteps outside [0, {T}): min {ts.min()}, max {ts.max()}")
    return [int(t) for t in ts]


def prepared(impl, T: int, S: int, **kwargs):
    """(scheduler, ᾱ as float64, the inference timesteps) for ``impl(**kwargs)`` after ``set_timesteps(S)``."""
    sched = call(impl, num_train_timesteps=T, **kwargs)
    call(sched.set_timesteps, S)
    return sched, alpha_bar_of(sched, T), timesteps_of(sched, T, S)


def step_outputs(out, shape, what: str) -> tuple[np.ndarray, np.ndarray]:
    for attr in ("prev_sample", "pred_original_sample"):
        if not hasattr(out, attr):
            raise ImplementationFailure(f"{what}: step() output has no .{attr}")
    return (expect_array(out.prev_sample, shape=shape, name=f"{what}: prev_sample", dtype_kind="f"),
            expect_array(out.pred_original_sample, shape=shape, name=f"{what}: pred_original_sample", dtype_kind="f"))


def assert_prediction_types_agree(results: dict, s: float, where: str) -> None:
    """Steps fed the ε, x0 and v outputs that say the same thing agree (outputs divided by the step scale s)."""
    for pt in PREDICTIONS[1:]:
        for k, name in enumerate(("prev_sample", "pred_original_sample")):
            assert_close(results[pt][k] / s, results["epsilon"][k] / s, tol=STEP,
                         what=f"{name} / s: {pt} vs epsilon at {where} (s = {s:.3g})")


def model_output_for(prediction_type: str, x_t: np.ndarray, x0: np.ndarray, alpha_bar: float) -> np.ndarray:
    """The model output of the given type that says "the clean sample is x0" at x_t (ε, x0 or v)."""
    eps = delta_eps(x_t, x0, alpha_bar)
    if prediction_type == "epsilon":
        return eps
    x0 = np.broadcast_to(np.asarray(x0, float), eps.shape).copy()
    if prediction_type == "sample":
        return x0
    # v = √ᾱ ε − √(1 − ᾱ) x0    (Salimans & Ho 2022)
    return math.sqrt(alpha_bar) * eps - math.sqrt(1 - alpha_bar) * x0


def delta_model(x0: np.ndarray, alpha_bar: np.ndarray, prediction_type: str = "epsilon"):
    """The exact model for data δ(x0): at any x and t it says x̂0 = x0."""
    def model(x, t):
        return t64(model_output_for(prediction_type, x.detach().cpu().numpy(), x0, float(alpha_bar[int(t)])))
    return model


def step_scale(alpha_bar_t: float, *arrays) -> float:
    """(1 + max|inputs|)·(1/√ᾱ_t + 1/√(1 − ᾱ_t)): the size a float32 coefficient error is relative to."""
    size = 1.0 + max(float(np.abs(np.asarray(a)).max(initial=0.0)) for a in arrays)
    return size * (1 / math.sqrt(alpha_bar_t) + 1 / math.sqrt(1 - alpha_bar_t))


def expect_value_error(param: str, fn, *args, **kwargs) -> None:
    """``fn(*args)`` must raise ValueError whose message names ``param``."""
    name = getattr(fn, "__name__", repr(fn))
    try:
        fn(*args, **kwargs)
    except ValueError as exc:
        assert_true(param in str(exc), f"{name}(): ValueError does not name {param!r}: {exc}")
        return
    except Exception as exc:
        raise InvariantViolation(f"{name}(): bad {param} raised {type(exc).__name__} ({exc}), not ValueError") from None
    raise InvariantViolation(f"{name}(): bad {param} was accepted silently (expected ValueError naming {param!r})")


def spacing_violations(ts: list[int], T: int, S: int, spacing: str, offset: int) -> str | None:
    """Why ``ts`` is not the spacing's timestep set (Lin et al. 2024, Table 2; diffusers' definitions), or None.

    leading τ_i = i·⌊T/S⌋ + offset; trailing τ_i = round(T − i·T/S) − 1; linspace τ_i = round(i·(T−1)/(S−1)),
    decreasing.  Rounding is to nearest with ties either way, checked exactly in integers (×2S or ×2(S−1)).
    """
    if len(ts) != S:
        return f"{len(ts)} timesteps for S = {S}"
    tau = np.asarray(ts[::-1], dtype=np.int64)  # increasing: tau[i] is the i-th smallest
    if S > 1 and (np.diff(tau) <= 0).any():
        return f"not strictly decreasing: {ts}"
    if tau[0] < 0 or tau[-1] >= T:
        return f"outside [0, {T}): {ts}"
    i = np.arange(S, dtype=np.int64)
    if spacing == "leading":
        bad = tau != i * (T // S) + offset
    elif spacing == "trailing":  # |τ_i + 1 − (T − (S−1−i)·T/S)| ≤ ½
        bad = np.abs(2 * S * (tau + 1) - 2 * (T * S - (S - 1 - i) * T)) > S
    elif S > 1:                  # |τ_i − i·(T−1)/(S−1)| ≤ ½
        bad = np.abs(2 * (S - 1) * tau - 2 * i * (T - 1)) > S - 1
    else:
        bad = tau != 0
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        return f"{spacing}: the {k}-th smallest timestep is {int(tau[k])}"
    return None


def schedule_strategy(Ts=(10, 100, 1000)):
    return st.fixed_dictionaries({"T": st.sampled_from(Ts), "schedule": st.sampled_from(sorted(SCHEDULES))})


def arrays(shape, bound: float = 3.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(-bound, bound, width=64))


@st.composite
def spacing_case(draw):
    return {"T": draw(st.sampled_from((50, 100, 1000))), "offset": draw(st.integers(0, 1))}


def check_spacings(impl, data, what: str) -> None:
    """Every S = 1 … T (all of them: a defect at one S must fail deterministically) under every spacing."""
    T = data["T"]
    for spacing in SPACINGS:
        offset = data["offset"] if spacing == "leading" else 0
        sched = call(impl, num_train_timesteps=T, timestep_spacing=spacing, steps_offset=offset)
        for S in range(1, T + (0 if offset else 1)):
            call(sched.set_timesteps, S)
            ts = expect_array(sched.timesteps, name="timesteps", dtype_kind="iu").reshape(-1).tolist()
            why = spacing_violations(ts, T, S, spacing, offset)
            assert_true(why is None, f"{what}: set_timesteps({S}) with T = {T}, steps_offset = {offset}: {why}")


def smooth_model(x, t):
    """A fixed nonlinear 'network': the same output for the same (x, t) in every implementation."""
    return torch.tanh(0.7 * x + t / 1000.0)


CHAIN64 = Tolerance(rtol=1e-10, atol=1e-10, reason=(
    "both in float64 with the same float64 schedule: round-off ~1e-16 amplified by 1/√ᾱ_t (≤ 2e4 for the cosine "
    "schedule's last step) over ≤ 50 steps; measured ≤ 5e-12"))

