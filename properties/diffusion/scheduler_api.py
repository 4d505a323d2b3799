"""Speaking diffusers' scheduler API from a check (DDPM and DDIM): constructing a scheduler from a drawn case,
reading ᾱ, the timesteps and step outputs through the engine (so malformed output is the implementation's failure),
the contract's previous level, and the model outputs of each prediction type for a known data point.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from properties.engine import (ImplementationFailure, InvariantViolation, assert_close, assert_true, call, expect_array,
                               expect_scalar)
from properties.oracles.gaussian import delta_eps

SCHEDULES = {"linear": (1e-4, 0.02), "scaled_linear": (0.00085, 0.012), "squaredcos_cap_v2": (1e-4, 0.02)}
SCHEDULE_NAMES = tuple(SCHEDULES)
SPACINGS = ("leading", "trailing", "linspace")
PREDICTIONS = ("epsilon", "sample", "v_prediction")
VARIANCE_TYPES = ("fixed_small", "fixed_large")
#: the option axes a case may carry, in the order they are passed to the constructor
OPTION_KEYS = ("beta_schedule", "timestep_spacing", "prediction_type", "variance_type", "set_alpha_to_one")
#: the contract's level after the last timestep: ᾱ = 1 (DDPM) or final_alpha_cumprod (DDIM)
FINAL = -1


def schedule_kw(schedule: str) -> dict:
    b0, b1 = SCHEDULES[schedule]
    return dict(beta_schedule=schedule, beta_start=b0, beta_end=b1)


def t64(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def constructor_kwargs(case: dict, **overrides) -> dict:
    """The constructor's keyword arguments for a drawn case: T, the drawn options (the schedule with its β range) and
    ``steps_offset`` when drawn; options the case did not draw are left to the implementation's defaults."""
    kw = {"num_train_timesteps": case["T"]}
    for key in OPTION_KEYS:
        if key in case:
            kw.update(schedule_kw(case[key]) if key == "beta_schedule" else {key: case[key]})
    if case.get("steps_offset"):
        kw["steps_offset"] = case["steps_offset"]
    for key, value in overrides.items():
        kw.update(schedule_kw(value) if key == "beta_schedule" else {key: value})
    return kw


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


def constructed(impl, case: dict, **overrides):
    """``impl(**constructor_kwargs(case))`` and its ᾱ (float64)."""
    sched = call(impl, **constructor_kwargs(case, **overrides))
    return sched, alpha_bar_of(sched, case["T"])


def prepared(impl, case: dict, S: int | None = None, **overrides):
    """(scheduler, ᾱ as float64, the inference timesteps) after ``set_timesteps(S)`` (S: the case's by default)."""
    S = case["S"] if S is None else S
    sched, ab = constructed(impl, case, **overrides)
    call(sched.set_timesteps, S)
    return sched, ab, timesteps_of(sched, case["T"], S)


def final_alpha_bar(sched) -> float:
    return expect_scalar(sched.final_alpha_cumprod, name="final_alpha_cumprod")


def previous_level(ts: list[int], i: int) -> int:
    """The contract's level after the step at ``ts[i]``: the next entry of ``timesteps`` (the paper's τ_{i−1}),
    ``FINAL`` after the last one."""
    return ts[i + 1] if i + 1 < len(ts) else FINAL


def level_alpha_bar(ab: np.ndarray, level: int, final: float) -> float:
    return float(ab[level]) if level >= 0 else final


def step_outputs(out, shape, what: str) -> tuple[np.ndarray, np.ndarray]:
    for attr in ("prev_sample", "pred_original_sample"):
        if not hasattr(out, attr):
            raise ImplementationFailure(f"{what}: step() output has no .{attr}")
    return (expect_array(out.prev_sample, shape=shape, name=f"{what}: prev_sample", dtype_kind="f"),
            expect_array(out.pred_original_sample, shape=shape, name=f"{what}: pred_original_sample", dtype_kind="f"))


def output_for(prediction_type: str, x_t: np.ndarray, eps: np.ndarray, alpha_bar: float) -> np.ndarray:
    """The model output of the given type that says "the noise in x_t is ε" (ε, x0 or v)."""
    if prediction_type == "epsilon":
        return eps
    # x0 = (x_t − √(1 − ᾱ) ε) / √ᾱ            (Ho et al. eq. 15)
    x0 = (x_t - math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha_bar)
    if prediction_type == "sample":
        return x0
    # v = √ᾱ ε − √(1 − ᾱ) x0                   (Salimans & Ho 2022)
    return math.sqrt(alpha_bar) * eps - math.sqrt(1 - alpha_bar) * x0


def model_output_for(prediction_type: str, x_t: np.ndarray, x0: np.ndarray, alpha_bar: float) -> np.ndarray:
    """The model output of the given type that says "the clean sample is x0" at x_t (ε, x0 or v)."""
    eps = delta_eps(x_t, x0, alpha_bar)
    if prediction_type == "sample":
        return np.broadcast_to(np.asarray(x0, float), eps.shape).copy()
    return output_for(prediction_type, x_t, eps, alpha_bar)


def delta_model(x0: np.ndarray, alpha_bar: np.ndarray, prediction_type: str = "epsilon"):
    """The exact model for data δ(x0): at any x and t it says x̂0 = x0."""
    def model(x, t):
        return t64(model_output_for(prediction_type, x.detach().cpu().numpy(), x0, float(alpha_bar[int(t)])))
    return model


def smooth_model(x, t):
    """A fixed nonlinear 'network': the same output for the same (x, t) in every implementation."""
    return torch.tanh(0.7 * x + t / 1000.0)


def step_scale(alpha_bar_t: float, *arrays) -> float:
    """(1 + max|inputs|)·(1/√ᾱ_t + 1/√(1 − ᾱ_t)): the size a coefficient's relative error is relative to."""
    size = 1.0 + max(float(np.abs(np.asarray(a)).max(initial=0.0)) for a in arrays)
    return size * (1 / math.sqrt(alpha_bar_t) + 1 / math.sqrt(1 - alpha_bar_t))


def assert_prediction_types_agree(results: dict, reference: str, s: float, where: str) -> None:
    """Steps fed the ε, x0 and v outputs that say the same thing agree (outputs divided by the step scale s)."""
    for pt, outs in results.items():
        if pt == reference:
            continue
        for k, name in enumerate(("prev_sample", "pred_original_sample")):
            assert_close(outs[k] / s, results[reference][k] / s,
                         what=f"{name} / s: {pt} vs {reference} at {where} (s = {s:.3g})")


def expect_value_error(param: str, fn, *args, what: str | None = None, **kwargs) -> None:
    """``fn(*args)`` must raise ValueError whose message names ``param`` (``what``: the call, in the message)."""
    name = what or f"{getattr(fn, '__name__', repr(fn))}()"
    try:
        fn(*args, **kwargs)
    except ValueError as exc:
        assert_true(param in str(exc), f"{name}: ValueError does not name {param!r}: {exc}")
        return
    except Exception as exc:
        raise InvariantViolation(f"{name}: bad {param} raised {type(exc).__name__} ({exc}), not ValueError") from None
    raise InvariantViolation(f"{name}: bad {param} was accepted silently (expected ValueError naming {param!r})")
