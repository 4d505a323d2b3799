"""The option axes of the diffusion scheduler contracts, each with its probe for ``invariants probe``: construct with
the value, ``set_timesteps``, one ``step`` (inversion: one ``invert``).  A probe never judges the answer."""
from __future__ import annotations

import torch

from properties.diffusion.scheduler_api import schedule_kw, timesteps_of
from properties.diffusion.strategies import DOMAINS
from properties.engine import Axis, call

_T, _S = 10, 2


def _one_step(impl, generator: bool, **kw) -> None:
    sched = call(impl, num_train_timesteps=_T, **kw)
    call(sched.set_timesteps, _S)
    t = timesteps_of(sched, _T, _S)[0]
    x = torch.zeros(1, 2, dtype=torch.float64)
    call(sched.step, x, t, x, **({"generator": torch.Generator().manual_seed(0)} if generator else {}))


def _option_probe(axis: str, generator: bool):
    def probe(impl, value):
        _one_step(impl, generator, **(schedule_kw(value) if axis == "beta_schedule" else {axis: value}))
    return probe


def _probe_inversion(impl, value) -> None:
    sched = call(impl, num_train_timesteps=_T)
    x0 = torch.zeros(1, 2, dtype=torch.float64)
    call(sched.invert, x0, lambda x, t: torch.zeros_like(x), _S)


DOCS = {
    "beta_schedule": "the named noise schedule β (linear, scaled_linear, cosine = squaredcos_cap_v2)",
    "timestep_spacing": "how set_timesteps(S) places the S inference timesteps (Lin et al. 2024, Table 2)",
    "prediction_type": "what the model output is: ε, x0 (sample) or v",
    "variance_type": "σ_t² of the ancestral step: β̃_t (fixed_small) or β_t (fixed_large)",
    "set_alpha_to_one": "ᾱ after the last timestep: 1 (True) or ᾱ_0 (False)",
}


def option_axes(names, *, generator: bool) -> tuple[Axis, ...]:
    """Axes for constructor options (``generator``: the step draws its noise from a generator, DDPM)."""
    return tuple(Axis(n, DOMAINS[n], DOCS[n], probe=_option_probe(n, generator)) for n in names)


INVERSION = Axis("operations", ("inversion",), "DDIM inversion: invert(x0, model_fn, S)", probe=_probe_inversion,
                 detect=lambda impl: ["inversion"] if callable(getattr(impl, "invert", None)) else [])
