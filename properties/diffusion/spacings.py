"""Inference timesteps: the three spacings in common use (Lin et al. 2024, arXiv:2305.08891, Table 2, with diffusers'
arithmetic), the check that an implementation's ``set_timesteps(S)`` follows its spacing for every S, registered on
both diffusion topics, and the arithmetic that expected-failure records' sub-domains are computed from.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

from properties.diffusion.strategies import drawn, integers, sampled
from properties.engine import Topic, assert_true, call, expect_array, invariant

SPACING_TS = (50, 1000)


def spacing_timesteps(T: int, S: int, spacing: str, offset: int = 0) -> list[int]:
    """The contract's S decreasing timesteps, by the formulas (and numpy rounding) diffusers uses: leading
    τ_i = i·⌊T/S⌋ + offset; trailing the first S entries of round(arange(T, 0, −T/S)) − 1; linspace
    round(linspace(0, T − 1, S)), reversed."""
    if spacing == "leading":
        return ((np.arange(S) * (T // S)).round()[::-1].astype(np.int64) + offset).tolist()
    if spacing == "trailing":
        return (np.round(np.arange(T, 0, -T / S)[:S]).astype(np.int64) - 1).tolist()
    return np.linspace(0, T - 1, S).round()[::-1].astype(np.int64).tolist()


@functools.lru_cache(maxsize=None)
def trailing_extra_entry(T: int) -> tuple[int, ...]:
    """The S ≤ T for which np.arange(T, 0, −T/S) has S + 1 entries (its float step overshoots): diffusers keeps
    them all, the last one −1 (T = 1000: S = 61, 103, 121, …; T = 50: S = 29, 31)."""
    return tuple(S for S in range(1, T + 1) if len(np.arange(T, 0, -T / S)) == S + 1)


def spacing_violations(ts: np.ndarray, T: int, S: int, spacing: str, offset: int) -> str | None:
    """Why ``ts`` is not the spacing's timestep set (Lin et al. 2024, Table 2; diffusers' definitions), or None.

    leading τ_i = i·⌊T/S⌋ + offset; trailing τ_i = round(T − i·T/S) − 1; linspace τ_i = round(i·(T−1)/(S−1)),
    decreasing.  Rounding is to nearest with ties either way, checked exactly in integers (×2S or ×2(S−1)).
    """
    if len(ts) != S:
        return f"{len(ts)} timesteps for S = {S}"
    tau = ts[::-1].astype(np.int64)  # increasing: tau[i] is the i-th smallest
    if S > 1 and (np.diff(tau) <= 0).any():
        return f"not strictly decreasing: {ts.tolist()}"
    if tau[0] < 0 or tau[-1] >= T:
        return f"outside [0, {T}): {ts.tolist()}"
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
        return f"the {k}-th smallest timestep is {int(tau[k])}"
    return None


def violation_message(spacing: str, T: int, offset: int, bad: list[int], first: str) -> str:
    """The failure of ``*.timesteps_follow_spacing``: every violating S, so that a record can name exactly the S it
    expects (a defect at any other S is then judged)."""
    return f"{spacing}, T = {T}, steps_offset = {offset}: set_timesteps(S) violates the spacing at S = {bad}; first: {first}"


@st.composite
def spacing_case(draw):
    """(T, spacing, steps_offset): finite (T ∈ {50, 1000}; an offset only under leading, at T = 50), enumerated."""
    T = draw(sampled(SPACING_TS), label="T")
    spacing = draw(drawn("timestep_spacing"), label="timestep_spacing")
    # steps_offset moves every leading timestep by the same amount: checked at T = 50 (every S), not again at T = 1000
    offset = draw(integers(0, 1), label="steps_offset") if spacing == "leading" and T < 1000 else 0
    return {"T": T, "timestep_spacing": spacing, "steps_offset": offset}


def register_spacing_invariant(topic: Topic, source: str) -> None:
    """``<topic>.timesteps_follow_spacing``: the same statement for every scheduler of the family."""

    @invariant(topic, f"{topic.name}.timesteps_follow_spacing",
               statement="set_timesteps(S): S strictly decreasing ints in [0, T): leading i⌊T/S⌋+k, trailing round(T−iT/S)−1, linspace round(i(T−1)/(S−1))",
               why="The inference timesteps are a subsequence τ of 0 … T−1 (DDIM §4.2); the spacings are the three in "
                   "common use, each with S entries, and a step at a timestep outside the schedule reads a wrong ᾱ.  "
                   "Every S = 1 … T is checked (a defect at one S fails deterministically) and every violating S is "
                   "reported.",
               source=source, kind="exact", strategy=spacing_case(), draws={"timestep_spacing": None},
               max_examples=10)
    def timesteps_follow_spacing(impl, data):
        T, spacing, offset = data["T"], data["timestep_spacing"], data["steps_offset"]
        sched = call(impl, num_train_timesteps=T, timestep_spacing=spacing, steps_offset=offset)
        bad, first = [], None
        for S in range(1, T + (0 if offset else 1)):
            call(sched.set_timesteps, S)
            ts = expect_array(sched.timesteps, name="timesteps", dtype_kind="iu").reshape(-1)
            why = spacing_violations(ts, T, S, spacing, offset)
            if why is not None:
                bad.append(S)
                first = first or why
        assert_true(not bad, violation_message(spacing, T, offset, bad, first))

