"""Denoising diffusion implicit models: the generalised (non-Markovian) reverse step, η, strided sampling, inversion.

Paper: Song, Meng, Ermon, "Denoising Diffusion Implicit Models", ICLR 2021 (arXiv:2010.02502) - eq. (12) (the step),
eq. (16) (σ_τ(η)), Lemma 1 (marginals preserved for every σ), §4.2 (a timestep subsequence τ), §4.3 / eq. (14)
(η = 0 as an ODE, run backwards for encoding x_0 → x_T).

Contract: diffusers' ``DDIMScheduler`` with the textbook update (``clip_sample=False``): ``set_timesteps``,
``timesteps``, ``alphas_cumprod``, ``final_alpha_cumprod``, ``step(model_output, timestep, sample, eta=0.0,
generator=None, variance_noise=None)`` returning ``.prev_sample`` and ``.pred_original_sample``, ``add_noise``.
A step at τ_i goes to the paper's τ_{i−1}: the next entry of ``timesteps`` (§4.2, a sub-sequence τ of 1 … T),
and after the last one to ``final_alpha_cumprod`` (1 with ``set_alpha_to_one``, else ᾱ_0).  (diffusers' DDIMScheduler
steps to τ − ⌊T/S⌋ instead, which is not the next timestep under "linspace" and "trailing" spacing: an open upstream
bug, diffusers issues #12633 and #11347; its DDPMScheduler was fixed the same way in PR #9384.)
Extension: ``invert(sample, model_fn, num_inference_steps)`` - DDIM inversion (η = 0), the same levels walked
upwards, from ``final_alpha_cumprod`` to τ_1 and on to τ_S, with the model called at the target timestep (as
diffusers' DDIMInverseScheduler does).
"""

from __future__ import annotations

import torch

from reference.diffusion.ddpm import (SchedulerAPI, SchedulerOutput, alpha_bar_from_betas, check_finite, check_step_inputs,
                                      check_steps_offset, check_timestep, scheduler_betas, step_noise, to_x0_and_eps)


def ddim_sigma(alpha_bar_t: float, alpha_bar_prev: float, eta: float) -> float:
    """σ_τ(η) = η √((1 − ᾱ_s)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_s)   (DDIM eq. 16; η = 1 is DDPM's β̃, η = 0 is deterministic)."""
    # σ = η · √((1 − ᾱ_s) / (1 − ᾱ_t)) · √(1 − ᾱ_t / ᾱ_s)
    return eta * ((1 - alpha_bar_prev) / (1 - alpha_bar_t)) ** 0.5 * (1 - alpha_bar_t / alpha_bar_prev) ** 0.5


def ddim_step(x0_hat, eps_hat, alpha_bar_prev: float, sigma: float, noise=None):
    """x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s − σ²) ε̂ + σ z   (DDIM eq. 12)."""
    direction_var = 1 - alpha_bar_prev - sigma ** 2
    if direction_var < 0:
        raise ValueError(f"eta too large: σ² = {sigma ** 2} exceeds 1 − ᾱ_prev = {1 - alpha_bar_prev}")
    # x_s = √ᾱ_s · x̂_0 + √(1 − ᾱ_s − σ²) · ε̂  (+ σ · z)
    prev = alpha_bar_prev ** 0.5 * x0_hat + direction_var ** 0.5 * eps_hat
    return prev if noise is None else prev + sigma * noise


def ddim_invert_step(x0_hat, eps_hat, alpha_bar_next: float):
    """x_{t'} = √ᾱ_{t'} x̂_0 + √(1 − ᾱ_{t'}) ε̂, t' > t   (eq. 12 with σ = 0, read upwards; eq. 14 discretised)."""
    # x_{t'} = √ᾱ_{t'} · x̂_0 + √(1 − ᾱ_{t'}) · ε̂
    return alpha_bar_next ** 0.5 * x0_hat + (1 - alpha_bar_next) ** 0.5 * eps_hat


class DDIMScheduler(SchedulerAPI):
    """DDIM sampling (Song et al. 2021) speaking diffusers' ``DDIMScheduler`` API (textbook update, no clipping)."""

    def __init__(self, num_train_timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02,
                 beta_schedule: str = "linear", trained_betas=None, clip_sample: bool = False,
                 set_alpha_to_one: bool = True, steps_offset: int = 0, prediction_type: str = "epsilon",
                 timestep_spacing: str = "leading"):
        self.betas = scheduler_betas(num_train_timesteps, beta_start, beta_end, beta_schedule, trained_betas,
                                     clip_sample, prediction_type, timestep_spacing)
        self.num_train_timesteps = len(self.betas)
        self.prediction_type = prediction_type
        self.timestep_spacing = timestep_spacing
        self.steps_offset = check_steps_offset(steps_offset)
        self.set_alpha_to_one = set_alpha_to_one
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = alpha_bar_from_betas(self.betas)
        # ᾱ below step 0: 1 (the data itself) or ᾱ_0
        self.final_alpha_cumprod = torch.tensor(1.0, dtype=torch.float64) if set_alpha_to_one \
            else self.alphas_cumprod[0].clone()
        self.init_noise_sigma = 1.0
        self.num_inference_steps = None
        self.timesteps = torch.arange(self.num_train_timesteps - 1, -1, -1, dtype=torch.int64)

    def alpha_bar_at(self, timestep: int) -> float:
        """ᾱ at a (possibly negative) timestep: ``final_alpha_cumprod`` below 0."""
        return float(self.alphas_cumprod[timestep]) if timestep >= 0 else float(self.final_alpha_cumprod)

    def previous_timestep(self, timestep: int) -> int:
        """τ_{i−1}: the entry of ``timesteps`` after ``timestep`` (−1, i.e. ``final_alpha_cumprod``, after the last)."""
        schedule = self.timesteps.tolist()
        if timestep not in schedule:
            raise ValueError(f"timestep must be one of the scheduler's timesteps {schedule[:3]}…{schedule[-2:]} "
                             f"(set_timesteps({self.num_inference_steps})), got {timestep}")
        i = schedule.index(timestep)
        # s = τ_{i−1}, the next entry of the sub-sequence τ          (DDIM §4.2)
        return schedule[i + 1] if i + 1 < len(schedule) else -1

    def step(self, model_output: torch.Tensor, timestep, sample: torch.Tensor, eta: float = 0.0,
             use_clipped_model_output: bool = False, generator=None, variance_noise: torch.Tensor | None = None,
             return_dict: bool = True):
        """x_τ → x_s, s = the next timestep of the schedule: DDIM eq. (12) with σ_τ(η) of eq. (16)."""
        if self.num_inference_steps is None:
            raise ValueError("num_inference_steps is None: call set_timesteps before step")
        if not isinstance(eta, (int, float)) or isinstance(eta, bool) or not eta >= 0:
            raise ValueError(f"eta must be a float >= 0, got {eta!r}")
        check_step_inputs(model_output, sample)
        t = check_timestep(timestep, self.num_train_timesteps)
        if variance_noise is not None and generator is not None:
            raise ValueError("variance_noise and generator are exclusive; got both")
        alpha_bar_t = self.alpha_bar_at(t)
        alpha_bar_prev = self.alpha_bar_at(self.previous_timestep(t))
        x0_hat, eps_hat = to_x0_and_eps(model_output, sample, alpha_bar_t, self.prediction_type)
        sigma = ddim_sigma(alpha_bar_t, alpha_bar_prev, eta)
        noise = None
        if eta > 0:
            noise = step_noise(variance_noise, generator, sample)
        prev_sample = ddim_step(x0_hat, eps_hat, alpha_bar_prev, sigma, noise)
        if not return_dict:
            return prev_sample, x0_hat
        return SchedulerOutput(prev_sample=prev_sample, pred_original_sample=x0_hat)

    def invert(self, sample: torch.Tensor, model_fn, num_inference_steps: int) -> torch.Tensor:
        """DDIM inversion x_0 → x_{τ_S}: η = 0 steps up the levels of ``set_timesteps(num_inference_steps)``.

        The step to level τ_i starts at level τ_{i−1} (``final_alpha_cumprod`` for the lowest timestep): the
        sampler's levels, walked the other way.  ``model_fn(x, τ_i)`` is called at the target timestep, as in
        diffusers' DDIMInverseScheduler.  Sampling the result with η = 0 and the same ``num_inference_steps``
        returns to ``sample`` as S grows.
        """
        check_finite("sample", sample)
        self.set_timesteps(num_inference_steps)
        x = sample
        for timestep in reversed(self.timesteps.tolist()):
            alpha_bar_from = self.alpha_bar_at(self.previous_timestep(timestep))
            model_output = model_fn(x, timestep)
            check_step_inputs(model_output, x)
            x0_hat, eps_hat = to_x0_and_eps(model_output, x, alpha_bar_from, self.prediction_type)
            x = ddim_invert_step(x0_hat, eps_hat, float(self.alphas_cumprod[timestep]))
        return x


def sample(scheduler, model_fn, x_T: torch.Tensor, num_inference_steps: int, eta: float = 0.0, generator=None,
           noises=None) -> torch.Tensor:
    """DDIM sampling x_T → x_0 (``noises``: optional list of one z per step, passed as ``variance_noise``)."""
    scheduler.set_timesteps(num_inference_steps)
    x = x_T
    for i, t in enumerate(scheduler.timesteps.tolist()):
        z = None if noises is None else noises[i]
        x = scheduler.step(model_fn(x, t), t, x, eta=eta, generator=generator if z is None else None,
                           variance_noise=z).prev_sample
    return x


def invert(scheduler, sample_x0: torch.Tensor, model_fn, num_inference_steps: int) -> torch.Tensor:
    """Flat alias of ``DDIMScheduler.invert``."""
    return scheduler.invert(sample_x0, model_fn, num_inference_steps)
