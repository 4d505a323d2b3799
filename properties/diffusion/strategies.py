"""Hypothesis strategies of the diffusion topics: scheduler cases whose options are drawn inside the implementation's
declared support (``option``), small finite domains meant to be enumerated, and bounded float64 arrays.

A case is a dict: ``T``, the drawn options under their axis names (``beta_schedule``, ``timestep_spacing``,
``prediction_type``, ``variance_type``, ``set_alpha_to_one``), and, where drawn, ``S`` (inference steps), ``i``
(a step index into ``timesteps``), ``steps_offset`` and ``eta``.  Expected-failure records read these keys.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.diffusion.scheduler_api import PREDICTIONS, SCHEDULE_NAMES, SPACINGS, VARIANCE_TYPES
from properties.engine import option

#: each option axis' full domain (the default of ``option`` outside an invariant run)
DOMAINS = {"beta_schedule": SCHEDULE_NAMES, "timestep_spacing": SPACINGS, "prediction_type": PREDICTIONS,
           "variance_type": VARIANCE_TYPES, "set_alpha_to_one": (True, False)}
ETAS = (0.0, 0.2, 0.5, 1.0)
#: the numbers of steps ddim.gaussian_closer_with_more_steps compares
GAUSSIAN_STEPS = (4, 8, 16, 32)


@functools.lru_cache(maxsize=None)
def arrays(shape, bound: float = 3.0):
    """float64 arrays of ``shape`` with entries in [−bound, bound].  Strategies here are built once and reused (cached):
    Hypothesis validates and introspects every new strategy object, which costs milliseconds per example when a
    strategy is rebuilt inside a draw."""
    return hnp.arrays(np.float64, shape, elements=st.floats(-bound, bound, width=64))


@functools.lru_cache(maxsize=None)
def drawn(axis: str):
    """A value of the option ``axis``, inside the example's domain (the declared support).  One strategy object per
    axis: ``option`` reads the domain when it draws, and building a composite strategy costs Hypothesis a source
    inspection (~10 ms), too much to repeat inside every draw."""
    return option(axis, DOMAINS[axis])


def draw_options(draw, axes) -> dict:
    return {axis: draw(drawn(axis), label=axis) for axis in axes}


@st.composite
def schedule_case(draw, Ts=(10, 100, 1000)):
    """(T, beta_schedule): a finite domain of len(Ts) × 3 pairs, enumerated by a max_examples above its size."""
    return {"T": draw(sampled(Ts), label="T"), **draw_options(draw, ("beta_schedule",))}


@functools.lru_cache(maxsize=None)
def scheduler_case(options, Ts=(10, 1000), max_S: int = 50, S_below_T: bool = False, step_index: bool = False,
                   offset: bool = False, etas: tuple | None = None):
    """The strategy of :func:`_scheduler_case` (built once per argument set)."""
    return _scheduler_case(options, Ts, max_S, S_below_T, step_index, offset, etas)


@st.composite
def _scheduler_case(draw, options, Ts, max_S, S_below_T, step_index, offset, etas):
    """T, the ``options`` (drawn inside the declared support), S ≤ min(T, max_S) (S ≤ T/2 with ``S_below_T``, so that
    trailing spacing ends above t = 0), a step index ``i``, ``steps_offset`` ∈ {0, 1} under leading spacing and η.

    T ∈ {10, 1000} with S ≤ 50 never meets a trailing S whose np.arange(T, 0, −T/S) has S + 1 entries: that
    defect is ``*.timesteps_follow_spacing``'s to report, once, rather than every chain invariant's at random."""
    case = {"T": draw(sampled(Ts), label="T"), **draw_options(draw, options)}
    T = case["T"]
    case["S"] = draw(integers(1, min(T // 2 if S_below_T else T, max_S)), label="S")
    if step_index:  # the last step (to ᾱ = 1 / final_alpha_cumprod) is special: drawn half the time
        last = draw(sampled((False, True)), label="last step")
        case["i"] = case["S"] - 1 if last else draw(integers(0, case["S"] - 1), label="i")
    if offset:
        leading = case.get("timestep_spacing", "leading") == "leading" and case["S"] < T
        case["steps_offset"] = draw(integers(0, 1), label="steps_offset") if leading else 0
    if etas is not None:
        case["eta"] = draw(sampled(etas), label="eta")
    return case


@functools.lru_cache(maxsize=None)
def integers(lo: int, hi: int):
    """``st.integers(lo, hi)``, built once (see :func:`arrays`)."""
    return st.integers(lo, hi)


@functools.lru_cache(maxsize=None)
def sampled(values: tuple):
    """``st.sampled_from(values)``, built once (see :func:`arrays`)."""
    return st.sampled_from(values)
