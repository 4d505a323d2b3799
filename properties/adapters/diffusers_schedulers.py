"""diffusers' DDPM and DDIM schedulers, speaking the ddpm / ddim contracts.

What the adapters change, and nothing else:

* ``clip_sample=False`` always (diffusers defaults to ``True``, which clamps x̂_0 to [-1, 1] and moves a step
  by O(10) against the textbook update of Ho et al. / Song et al.).  Asking for ``clip_sample=True`` raises.
* ``DDIMScheduler.invert`` (the ddim contract's optional operation ``inversion``) runs diffusers' own
  ``DDIMInverseScheduler``, built from the same config, over the levels of ``set_timesteps`` (η = 0).  That class
  implements only leading and trailing spacing (it raises ``ValueError`` for linspace).

Nothing else is corrected: diffusers' DDIM steps to t − ⌊T/S⌋ rather than to the next timestep (an open upstream
bug), and that stays visible, as a narrow expected failure (``properties.diffusion.diffusers_records``).

``DDPMScheduler64`` / ``DDIMScheduler64`` additionally replace diffusers' float32 schedule by the same schedule
computed in float64 (LIBRARY-NOTES: diffusers keeps ``betas``/``alphas_cumprod`` and so every step coefficient in
float32, even for float64 samples; overwriting ``alphas_cumprod`` and ``final_alpha_cumprod`` with float64
tensors makes the update agree with a float64 textbook step to ~1e-15 instead of ~1e-6).  The float64 betas are
built by diffusers' own formulas (``torch.linspace`` in float64; the cosine schedule's Python-float list before
its cast to float32); no update arithmetic is touched.  Use them to cross-check the update rule tightly; use the
plain classes to validate diffusers as shipped.
"""
from __future__ import annotations

import math

import diffusers
import numpy as np
import torch


def _force_no_clipping(kwargs: dict) -> dict:
    if kwargs.get("clip_sample", False):
        raise ValueError("clip_sample must be False for the textbook contract, got True")
    return {**kwargs, "clip_sample": False}


def _float64_betas(config) -> torch.Tensor:
    """The config's schedule in float64, by diffusers' own formulas (before its float32 cast)."""
    T = config.num_train_timesteps
    if config.trained_betas is not None:
        return torch.as_tensor(np.asarray(config.trained_betas, dtype=np.float64))
    if config.beta_schedule == "linear":
        return torch.linspace(config.beta_start, config.beta_end, T, dtype=torch.float64)
    if config.beta_schedule == "scaled_linear":
        return torch.linspace(config.beta_start ** 0.5, config.beta_end ** 0.5, T, dtype=torch.float64) ** 2
    if config.beta_schedule == "squaredcos_cap_v2":
        def f(u):  # diffusers.schedulers.scheduling_ddim.betas_for_alpha_bar, alpha_transform_type="cosine"
            return math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2
        return torch.tensor([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)], dtype=torch.float64)
    raise ValueError(f"beta_schedule {config.beta_schedule!r} has no float64 override here")


def _overwrite_schedule_float64(sched, final_attr: str, set_alpha_to_one: bool) -> None:
    sched.betas = _float64_betas(sched.config)
    sched.alphas = 1.0 - sched.betas
    sched.alphas_cumprod = torch.cumprod(sched.alphas, dim=0)
    if final_attr:
        final = torch.tensor(1.0, dtype=torch.float64) if set_alpha_to_one else sched.alphas_cumprod[0].clone()
        setattr(sched, final_attr, final)


class DDPMScheduler(diffusers.DDPMScheduler):
    """``diffusers.DDPMScheduler`` with ``clip_sample=False``; everything else as shipped."""

    def __init__(self, **kwargs):
        super().__init__(**_force_no_clipping(kwargs))


class DDPMScheduler64(DDPMScheduler):
    """``DDPMScheduler`` with the schedule overwritten in float64 (see the module docstring)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _overwrite_schedule_float64(self, "", True)
        self.one = torch.tensor(1.0, dtype=torch.float64)


class DDIMScheduler(diffusers.DDIMScheduler):
    """``diffusers.DDIMScheduler`` with ``clip_sample=False``, plus ``invert`` via ``DDIMInverseScheduler``."""

    float64_schedule = False

    def __init__(self, **kwargs):
        super().__init__(**_force_no_clipping(kwargs))

    def _inverse_scheduler(self):
        inverse = diffusers.DDIMInverseScheduler.from_config(self.config)
        if self.float64_schedule:
            _overwrite_schedule_float64(inverse, "initial_alpha_cumprod", self.config.set_alpha_to_one)
        return inverse

    def invert(self, sample: torch.Tensor, model_fn, num_inference_steps: int) -> torch.Tensor:
        """DDIM inversion x_0 → x_{τ_1} with diffusers' ``DDIMInverseScheduler`` (η = 0).

        diffusers' pipelines (e.g. DiffEdit) loop ``for t in inverse.timesteps: x = inverse.step(model(x, t), t, x)``;
        this is that loop.  ``set_timesteps(num_inference_steps)`` is also applied to ``self``, so that sampling
        afterwards walks the same levels down.
        """
        self.set_timesteps(num_inference_steps)
        inverse = self._inverse_scheduler()
        inverse.set_timesteps(num_inference_steps)
        x = sample
        for t in inverse.timesteps.tolist():
            x = inverse.step(model_fn(x, t), t, x).prev_sample
        return x


class DDIMScheduler64(DDIMScheduler):
    """``DDIMScheduler`` with the schedule overwritten in float64 (see the module docstring)."""

    float64_schedule = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _overwrite_schedule_float64(self, "final_alpha_cumprod", self.config.set_alpha_to_one)
