"""Clear errors on bad input (category ``validation``), shared by the diffusion scheduler topics.

Each bad input is a named *case*; an example is one case (``{"case": name}``), and the finite set of cases is
enumerated, so an expected-failure record can name exactly the cases a library does not reject.  Every case must
raise a ``ValueError`` whose message names the offending parameter.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from hypothesis import strategies as st

from properties.diffusion.scheduler_api import expect_value_error, timesteps_of
from properties.engine import Topic, call, invariant

T_BAD = 10
S_BAD = 3


def _scheduler(impl, **kw):
    sched = call(impl, num_train_timesteps=T_BAD, **kw)
    call(sched.set_timesteps, S_BAD)
    return sched, timesteps_of(sched, T_BAD, S_BAD)


def _x() -> torch.Tensor:
    return torch.zeros(2, 3, dtype=torch.float64)


def _step(sched, t, sample, step_kw):
    return lambda: sched.step(_x(), t, sample, **step_kw)


def _nan_sample(impl, step_kw):
    sched, ts = _scheduler(impl)
    nan = _x()
    nan[1, 2] = float("nan")
    expect_value_error("sample", _step(sched, ts[0], nan, step_kw), what="step(sample with NaN)")


def _timestep(value_of: Callable[[list[int]], int]):
    def case(impl, step_kw):
        sched, ts = _scheduler(impl)
        t = value_of(ts)
        expect_value_error("timestep", _step(sched, t, _x(), step_kw), what=f"step(timestep={t}) after set_timesteps({S_BAD}) = {ts}")
    return case


def _add_noise(timesteps: Callable[[], torch.Tensor]):
    def case(impl, step_kw):
        sched, _ = _scheduler(impl)
        expect_value_error("timesteps", lambda: sched.add_noise(_x(), _x(), timesteps()),
                           what=f"add_noise(2 rows, timesteps={timesteps().tolist()})")
    return case


def _trained_betas(values: list[float]):
    def case(impl, step_kw):
        betas = np.linspace(1e-4, 0.02, T_BAD)
        for k, v in enumerate(values):
            bad = betas.copy()
            bad[k + 1] = v
            expect_value_error("trained_betas", lambda: impl(num_train_timesteps=T_BAD, trained_betas=bad),
                               what=f"constructor(trained_betas with {v})")
    return case


def _steps_offset(impl, step_kw):
    def build():
        sched = impl(num_train_timesteps=T_BAD, steps_offset=2.5)
        sched.set_timesteps(S_BAD)
    expect_value_error("steps_offset", build, what="constructor(steps_offset=2.5) and set_timesteps")


def negative_eta(impl, step_kw):
    """DDIM's η < 0 (it would flip the sign of the noise term)."""
    sched, ts = _scheduler(impl)
    expect_value_error("eta", lambda: sched.step(_x(), ts[0], _x(), eta=-0.5, variance_noise=_x()), what="step(eta=-0.5)")


#: case name → check(impl, step keyword arguments); every scheduler of the family shares these
CASES: dict[str, Callable] = {
    "num_inference_steps > T": lambda impl, kw: expect_value_error(
        "num_inference_steps", call(impl, num_train_timesteps=T_BAD).set_timesteps, T_BAD + 1,
        what=f"set_timesteps({T_BAD + 1}) with T = {T_BAD}"),
    "NaN sample": _nan_sample,
    "timestep = T": _timestep(lambda ts: T_BAD),
    "timestep = −1": _timestep(lambda ts: -1),
    "timestep not in timesteps": _timestep(lambda ts: next(t for t in range(T_BAD) if t not in ts)),
    "add_noise at t = T": _add_noise(lambda: torch.tensor([0, T_BAD])),
    "add_noise at t = 2.7": _add_noise(lambda: torch.tensor([0.0, 2.7])),
    "add_noise with 3 timesteps for 2 rows": _add_noise(lambda: torch.tensor([0, 1, 2])),
    "trained_betas with NaN": _trained_betas([float("nan")]),
    "trained_betas outside (0, 1)": _trained_betas([1.0, -0.01]),
    "steps_offset = 2.5": _steps_offset,
}


def register_validation(topic: Topic, *, extra: dict[str, Callable], step_kw: Callable[[], dict], statement: str,
                        why: str) -> None:
    """``<topic>.rejects_bad_input`` over the shared cases and the topic's ``extra`` ones."""
    cases = {**CASES, **extra}

    @invariant(topic, f"{topic.name}.rejects_bad_input", category="validation", statement=statement, why=why,
               source="this project's contract (diffusers raises only for num_inference_steps > T)", kind="exact",
               strategy=st.sampled_from(sorted(cases)).map(lambda name: {"case": name}),
               max_examples=len(cases) + 4)
    def rejects_bad_input(impl, data):
        cases[data["case"]](impl, step_kw())
