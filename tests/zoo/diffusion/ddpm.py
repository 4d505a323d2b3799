"""DDPM mutants: the reference scheduler with one bug each."""
from __future__ import annotations

import numpy as np
import torch

from reference.diffusion.ddpm import (DDPMScheduler, SchedulerOutput, alpha_bar_from_betas, check_step_inputs, draw_noise,
                            make_betas, to_x0_and_eps)
from tests.zoo import mutant


class _Hooked(DDPMScheduler):
    """The reference step with its ingredients as overridable hooks (no bug here)."""

    def x0_hat(self, model_output, sample, alpha_bar_t):
        return to_x0_and_eps(model_output, sample, alpha_bar_t, self.prediction_type)[0]

    def mean_coefficients(self, alpha_bar_t, alpha_bar_prev):
        alpha, beta = alpha_bar_t / alpha_bar_prev, 1 - alpha_bar_t / alpha_bar_prev
        return (alpha_bar_prev ** 0.5 * beta / (1 - alpha_bar_t),
                alpha ** 0.5 * (1 - alpha_bar_prev) / (1 - alpha_bar_t))

    def variance(self, alpha_bar_t, alpha_bar_prev):
        beta = 1 - alpha_bar_t / alpha_bar_prev
        return (1 - alpha_bar_prev) / (1 - alpha_bar_t) * beta if self.variance_type == "fixed_small" else beta

    def add_final_noise(self) -> bool:
        return False

    def step(self, model_output, timestep, sample, generator=None, return_dict=True, variance_noise=None):
        check_step_inputs(model_output, sample)
        t = int(timestep)
        prev_t = self.previous_timestep(t)
        alpha_bar_t = float(self.alphas_cumprod[t])
        alpha_bar_prev = float(self.alphas_cumprod[prev_t]) if prev_t >= 0 else 1.0
        x0_hat = self.x0_hat(model_output, sample, alpha_bar_t)
        c0, ct = self.mean_coefficients(alpha_bar_t, alpha_bar_prev)
        prev = c0 * x0_hat + ct * sample
        if prev_t >= 0 or self.add_final_noise():
            variance = self.variance(alpha_bar_t, alpha_bar_prev) if prev_t >= 0 else 1 - alpha_bar_t
            if self.variance_type == "fixed_small" and prev_t < 0:
                variance = 0.0
            z = variance_noise if variance_noise is not None else draw_noise(sample.shape, generator, sample)
            prev = prev + variance ** 0.5 * z
        return SchedulerOutput(prev_sample=prev, pred_original_sample=x0_hat)


@mutant("ddpm", bug="a schedule with T + 1 betas (linspace over T + 1 points): ᾱ has T + 1 entries",
        catches=("ddpm.alpha_bar_decreasing", "ddpm.schedule_definition", "ddpm.forward_composition"))
class ScheduleWithExtraBeta(DDPMScheduler):
    def __init__(self, num_train_timesteps=1000, beta_start=1e-4, beta_end=0.02, beta_schedule="linear", **kwargs):
        super().__init__(num_train_timesteps, beta_start, beta_end, beta_schedule, **kwargs)
        self.betas = make_betas(num_train_timesteps + 1, beta_start, beta_end, beta_schedule)
        self.alphas = 1 - self.betas
        self.alphas_cumprod = alpha_bar_from_betas(self.betas)


@mutant("ddpm", bug="add_noise uses the variance: ᾱ x0 + (1 − ᾱ) ε instead of √ᾱ x0 + √(1 − ᾱ) ε",
        catches=("ddpm.add_noise_closed_form", "ddpm.forward_composition"))
class AddNoiseWithVariance(DDPMScheduler):
    def add_noise(self, original_samples, noise, timesteps):
        t = torch.as_tensor(timesteps).to(torch.int64).flatten()
        ab = self.alphas_cumprod.to(original_samples.dtype)[t]
        ab = ab.reshape(ab.shape + (1,) * (original_samples.dim() - ab.dim()))
        return ab * original_samples + (1 - ab) * noise


@mutant("ddpm", bug="noise added on the final step too (fixed_large: √(1 − ᾱ_t) z on the way to ᾱ = 1)",
        catches=("ddpm.delta_lands_on_x0",))
class NoiseAtFinalStep(_Hooked):
    def add_final_noise(self) -> bool:
        return True


@mutant("ddpm", bug="fixed_small uses β_t instead of the posterior variance β̃_t",
        catches=("ddpm.posterior_is_gaussian_product",))
class PosteriorVarianceIsBeta(_Hooked):
    def variance(self, alpha_bar_t, alpha_bar_prev):
        return 1 - alpha_bar_t / alpha_bar_prev


@mutant("ddpm", bug="posterior mean's x_t coefficient uses √ᾱ_t instead of √α_t",
        catches=("ddpm.posterior_is_gaussian_product",))
class PosteriorMeanWithAlphaBar(_Hooked):
    def mean_coefficients(self, alpha_bar_t, alpha_bar_prev):
        c0, _ = super().mean_coefficients(alpha_bar_t, alpha_bar_prev)
        return c0, alpha_bar_t ** 0.5 * (1 - alpha_bar_prev) / (1 - alpha_bar_t)


@mutant("ddpm", bug="x̂0 = (x_t − (1 − ᾱ_t) ε) / √ᾱ_t: (1 − ᾱ_t) instead of its square root",
        catches=("ddpm.prediction_types_agree", "ddpm.delta_lands_on_x0", "ddpm.posterior_is_gaussian_product"))
class X0WithOneMinusAlphaBar(_Hooked):
    def x0_hat(self, model_output, sample, alpha_bar_t):
        if self.prediction_type != "epsilon":
            return super().x0_hat(model_output, sample, alpha_bar_t)
        return (sample - (1 - alpha_bar_t) * model_output) / alpha_bar_t ** 0.5


@mutant("ddpm", bug="the last step returns its input: sampling stops at x_1 and returns it",
        catches=("ddpm.delta_lands_on_x0", "ddpm.posterior_is_gaussian_product"))
class StopsAtX1(DDPMScheduler):
    def step(self, model_output, timestep, sample, generator=None, return_dict=True, variance_noise=None):
        out = super().step(model_output, timestep, sample, generator, return_dict, variance_noise)
        if self.previous_timestep(timestep) < 0:
            out.prev_sample = sample.clone()
        return out


@mutant("ddpm", bug="trailing timesteps from np.arange(T, 0, −T/S) kept whole: S + 1 entries ending at −1 for some S",
        catches=("ddpm.timesteps_follow_spacing",))
class TrailingFloatArange(DDPMScheduler):
    def set_timesteps(self, num_inference_steps, device=None):
        super().set_timesteps(num_inference_steps, device)
        if self.timestep_spacing == "trailing":
            T, S = self.num_train_timesteps, num_inference_steps
            self.timesteps = torch.from_numpy(np.round(np.arange(T, 0, -T / S)).astype(np.int64) - 1)


@mutant("ddpm", bug="no input validation: a NaN sample is zeroed, out-of-range timesteps wrap",
        catches=("ddpm.rejects_bad_input",))
class NoValidation(DDPMScheduler):
    def step(self, model_output, timestep, sample, generator=None, return_dict=True, variance_noise=None):
        t = int(timestep) % self.num_train_timesteps
        if self.num_inference_steps is not None and t not in self.timesteps.tolist():
            t = int(self.timesteps[0])
        return super().step(model_output, t, torch.nan_to_num(sample), generator, return_dict, variance_noise)
