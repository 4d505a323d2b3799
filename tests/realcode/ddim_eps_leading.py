"""A DDIM sampler as real code often is: ε-prediction only, "leading" timesteps only (written for this suite's tests
from the paper, Song et al. 2021 eqs. 12 and 16; not derived from the reference).

It speaks diffusers' scheduler API for the part it implements and says so: ``invariants_support`` declares the
prediction type and spacing it offers; asking for another raises ``NotImplementedError``.  No inversion.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch


class EpsLeadingDDIM:
    invariants_support = {"prediction_type": ["epsilon"], "timestep_spacing": ["leading"], "precision": "float64"}

    def __init__(self, num_train_timesteps=1000, beta_start=1e-4, beta_end=0.02, beta_schedule="linear",
                 trained_betas=None, set_alpha_to_one=True, steps_offset=0, prediction_type="epsilon",
                 timestep_spacing="leading", clip_sample=False):
        if prediction_type != "epsilon":
            raise NotImplementedError(f"only prediction_type='epsilon' is implemented, not {prediction_type!r}")
        if timestep_spacing != "leading":
            raise NotImplementedError(f"only timestep_spacing='leading' is implemented, not {timestep_spacing!r}")
        if clip_sample:
            raise NotImplementedError("clip_sample is not implemented")
        if isinstance(steps_offset, bool) or not isinstance(steps_offset, int) or steps_offset < 0:
            raise ValueError(f"steps_offset must be a non-negative int, got {steps_offset!r}")
        if trained_betas is not None:
            b = np.array(trained_betas, dtype=float)
            if b.ndim != 1 or not np.all((b > 0) & (b < 1)):
                raise ValueError("trained_betas must be a 1-D sequence of values in (0, 1)")
        elif beta_schedule == "linear":
            b = np.linspace(beta_start, beta_end, num_train_timesteps)
        elif beta_schedule == "scaled_linear":
            b = np.linspace(math.sqrt(beta_start), math.sqrt(beta_end), num_train_timesteps) ** 2
        elif beta_schedule == "squaredcos_cap_v2":
            def f(u):
                return math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2
            n = num_train_timesteps
            b = np.array([min(1.0 - f((k + 1) / n) / f(k / n), 0.999) for k in range(n)])
        else:
            raise NotImplementedError(f"beta_schedule {beta_schedule!r}")
        self._T = len(b)
        self._offset = steps_offset
        self.betas = torch.from_numpy(b)
        self.alphas_cumprod = torch.from_numpy(np.cumprod(1.0 - b))
        self.final_alpha_cumprod = torch.tensor(1.0 if set_alpha_to_one else float(self.alphas_cumprod[0]),
                                                dtype=torch.float64)
        self._levels: list[int] | None = None
        self.timesteps = torch.arange(self._T - 1, -1, -1)

    def set_timesteps(self, num_inference_steps, device=None):
        S = num_inference_steps
        if isinstance(S, bool) or not isinstance(S, int) or not 1 <= S <= self._T:
            raise ValueError(f"num_inference_steps must be an int in [1, {self._T}], got {S!r}")
        k = self._T // S
        levels = [j * k + self._offset for j in range(S - 1, -1, -1)]
        if levels[0] >= self._T:
            raise ValueError(f"steps_offset={self._offset} moves the top timestep to {levels[0]} >= {self._T}")
        self._levels = levels
        self.timesteps = torch.tensor(levels, dtype=torch.int64)

    def _abar(self, level: int) -> float:
        return float(self.alphas_cumprod[level]) if level >= 0 else float(self.final_alpha_cumprod)

    def step(self, model_output, timestep, sample, eta=0.0, generator=None, variance_noise=None, **unused):
        if self._levels is None:
            raise ValueError("call set_timesteps before step")
        t = int(timestep)
        if t != timestep or t not in self._levels:
            raise ValueError(f"timestep {timestep!r} is not one of the inference timesteps")
        if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not eta >= 0:
            raise ValueError(f"eta must be a number >= 0, got {eta!r}")
        if not bool(torch.isfinite(sample).all()):
            raise ValueError("sample contains NaN or inf")
        if not bool(torch.isfinite(model_output).all()):
            raise ValueError("model_output contains NaN or inf")
        pos = self._levels.index(t)
        a_t = self._abar(t)
        a_prev = self._abar(self._levels[pos + 1] if pos + 1 < len(self._levels) else -1)
        eps = model_output
        x0 = (sample - math.sqrt(1.0 - a_t) * eps) / math.sqrt(a_t)
        sigma = eta * math.sqrt((1.0 - a_prev) / (1.0 - a_t)) * math.sqrt(1.0 - a_t / a_prev)
        out = math.sqrt(a_prev) * x0 + math.sqrt(max(1.0 - a_prev - sigma * sigma, 0.0)) * eps
        if sigma > 0:
            if variance_noise is None:
                variance_noise = torch.randn(sample.shape, generator=generator, dtype=sample.dtype)
            out = out + sigma * variance_noise
        return SimpleNamespace(prev_sample=out, pred_original_sample=x0)

    def add_noise(self, original_samples, noise, timesteps):
        t = torch.as_tensor(timesteps)
        if t.is_floating_point():
            raise ValueError(f"timesteps must be integers, got {t}")
        t = t.reshape(-1)
        if t.numel() not in (1, original_samples.shape[0]):
            raise ValueError(f"timesteps: expected 1 or {original_samples.shape[0]}, got {t.numel()}")
        if int(t.min()) < 0 or int(t.max()) >= self._T:
            raise ValueError(f"timesteps must lie in [0, {self._T})")
        a = self.alphas_cumprod[t].to(original_samples.dtype).reshape(-1, *([1] * (original_samples.dim() - 1)))
        return a.sqrt() * original_samples + (1 - a).sqrt() * noise
