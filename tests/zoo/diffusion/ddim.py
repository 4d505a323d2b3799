"""DDIM mutants: the reference scheduler with one bug each."""
from __future__ import annotations

import torch

from reference.diffusion.ddim import DDIMScheduler, ddim_invert_step
from reference.diffusion.ddpm import (SchedulerOutput, alpha_bar_from_betas, check_step_inputs, check_timestep,
                                      draw_noise, make_betas, to_x0_and_eps)
from tests.zoo import mutant


class _Hooked(DDIMScheduler):
    """The reference step with its three ingredients as overridable hooks (no bug here)."""

    def x0_and_eps(self, model_output, sample, alpha_bar_t):
        return to_x0_and_eps(model_output, sample, alpha_bar_t, self.prediction_type)

    def sigma(self, alpha_bar_t, alpha_bar_prev, eta):
        return eta * ((1 - alpha_bar_prev) / (1 - alpha_bar_t)) ** 0.5 * (1 - alpha_bar_t / alpha_bar_prev) ** 0.5

    def direction_coefficient(self, alpha_bar_prev, sigma):
        var = 1 - alpha_bar_prev - sigma ** 2
        return var ** 0.5 if var >= 0 else float("nan")  # a NaN step, as a float32 implementation would give

    def step(self, model_output, timestep, sample, eta=0.0, use_clipped_model_output=False, generator=None,
             variance_noise=None, return_dict=True):
        if not eta >= 0:
            raise ValueError(f"eta must be >= 0, got {eta}")
        check_step_inputs(model_output, sample)
        t = check_timestep(timestep, self.num_train_timesteps)
        alpha_bar_t = self.alpha_bar_at(t)
        alpha_bar_prev = self.alpha_bar_at(self.previous_timestep(t))
        x0_hat, eps_hat = self.x0_and_eps(model_output, sample, alpha_bar_t)
        sigma = self.sigma(alpha_bar_t, alpha_bar_prev, eta)
        prev = alpha_bar_prev ** 0.5 * x0_hat + self.direction_coefficient(alpha_bar_prev, sigma) * eps_hat
        if sigma > 0:
            z = variance_noise if variance_noise is not None else draw_noise(sample.shape, generator, sample)
            prev = prev + sigma * z
        return SchedulerOutput(prev_sample=prev, pred_original_sample=x0_hat)


@mutant("ddim", bug="σ_τ = η √((1−ᾱ_s)/(1−ᾱ_t)): the √(1 − ᾱ_t/ᾱ_s) factor of eq. (16) is missing",
        catches=("ddim.sigma_eta", "ddim.eta1_is_ddpm_posterior", "ddim.finite_for_every_eta"))
class SigmaWithoutFactor(_Hooked):
    def sigma(self, alpha_bar_t, alpha_bar_prev, eta):
        return eta * ((1 - alpha_bar_prev) / (1 - alpha_bar_t)) ** 0.5


@mutant("ddim", bug="η ignored: σ is always 0, every η samples like DDIM",
        catches=("ddim.sigma_eta", "ddim.eta1_is_ddpm_posterior"))
class EtaIgnored(_Hooked):
    def sigma(self, alpha_bar_t, alpha_bar_prev, eta):
        return super().sigma(alpha_bar_t, alpha_bar_prev, 0.0)


@mutant("ddim", bug="σ floored at 1e-3 'for stability': η = 0 is no longer deterministic",
        catches=("ddim.eta0_deterministic", "ddim.sigma_eta"))
class SigmaFloor(_Hooked):
    def sigma(self, alpha_bar_t, alpha_bar_prev, eta):
        return max(super().sigma(alpha_bar_t, alpha_bar_prev, eta), 1e-3)


@mutant("ddim", bug="direction term √(1 − ᾱ_s) ε̂ ignores σ²: the step's variance is 1 − ᾱ_s + σ²",
        catches=("ddim.marginal_preservation", "ddim.eta1_is_ddpm_posterior"))
class DirectionIgnoresSigma(_Hooked):
    def direction_coefficient(self, alpha_bar_prev, sigma):
        return (1 - alpha_bar_prev) ** 0.5


@mutant("ddim", bug="x̂0 = (x_t − √(1−ᾱ_t) ε) / ᾱ_t: divides by ᾱ_t instead of its square root",
        catches=("ddim.delta_lands_on_x0", "ddim.prediction_types_agree",
                 "ddim.gaussian_closer_with_more_steps", "ddim.inversion_roundtrip"))
class X0DividesByAlphaBar(_Hooked):
    def x0_and_eps(self, model_output, sample, alpha_bar_t):
        if self.prediction_type != "epsilon":
            return super().x0_and_eps(model_output, sample, alpha_bar_t)
        return (sample - (1 - alpha_bar_t) ** 0.5 * model_output) / alpha_bar_t, model_output


@mutant("ddim", bug="ε̂ from an x0-prediction divides by (1 − ᾱ_t) instead of its square root",
        catches=("ddim.prediction_types_agree", "ddim.marginal_preservation"))
class EpsDividesByOneMinusAlphaBar(_Hooked):
    def x0_and_eps(self, model_output, sample, alpha_bar_t):
        if self.prediction_type != "sample":
            return super().x0_and_eps(model_output, sample, alpha_bar_t)
        return model_output, (sample - alpha_bar_t ** 0.5 * model_output) / (1 - alpha_bar_t)


@mutant("ddim", bug="set_timesteps drops the last timestep: sampling stops at x_{τ_1} and returns it",
        catches=("ddim.timesteps_follow_spacing", "ddim.delta_lands_on_x0"))
class StopsBeforeLastStep(DDIMScheduler):
    def set_timesteps(self, num_inference_steps, device=None):
        super().set_timesteps(num_inference_steps, device)
        self.timesteps = self.timesteps[:-1]


@mutant("ddim", bug="inversion stops one level short (the loop skips the highest timestep)",
        catches=("ddim.inversion_exact_on_delta",))
class InversionStopsShort(DDIMScheduler):
    def invert(self, sample, model_fn, num_inference_steps):
        self.set_timesteps(num_inference_steps)
        x = sample
        for timestep in reversed(self.timesteps.tolist()[1:]):
            alpha_bar_from = self.alpha_bar_at(self.previous_timestep(timestep))
            x0_hat, eps_hat = to_x0_and_eps(model_fn(x, timestep), x, alpha_bar_from, self.prediction_type)
            x = ddim_invert_step(x0_hat, eps_hat, float(self.alphas_cumprod[timestep]))
        return x


@mutant("ddim", bug="no input validation: η < 0 is used as |η|, a NaN sample is zeroed",
        catches=("ddim.rejects_bad_input",))
class NoValidation(DDIMScheduler):
    def step(self, model_output, timestep, sample, eta=0.0, **kwargs):
        return super().step(model_output, timestep, torch.nan_to_num(sample), eta=abs(eta), **kwargs)


@mutant("ddim", bug="add_noise scales the noise by the variance: √ᾱ x0 + (1 − ᾱ) ε instead of √(1 − ᾱ) ε",
        catches=("ddim.add_noise_closed_form", "ddim.forward_composition"))
class AddNoiseScalesNoiseByVariance(DDIMScheduler):
    def add_noise(self, original_samples, noise, timesteps):
        t = torch.as_tensor(timesteps).to(torch.int64).flatten()
        ab = self.alphas_cumprod.to(original_samples.dtype)[t]
        ab = ab.reshape(ab.shape + (1,) * (original_samples.dim() - ab.dim()))
        return ab.sqrt() * original_samples + (1 - ab) * noise


@mutant("ddim", bug="β over T + 1 points, the last one dropped: ᾱ ends at the wrong level and the schedule is off by one",
        catches=("ddim.schedule_definition", "ddim.alpha_bar_decreasing"))
class ScheduleOverTPlusOne(DDIMScheduler):
    def __init__(self, num_train_timesteps=1000, beta_start=1e-4, beta_end=0.02, beta_schedule="linear", **kwargs):
        super().__init__(num_train_timesteps, beta_start, beta_end, beta_schedule, **kwargs)
        self.betas = make_betas(num_train_timesteps + 1, beta_start, beta_end, beta_schedule)
        self.alphas = 1 - self.betas
        self.alphas_cumprod = alpha_bar_from_betas(self.betas)


@mutant("ddim", bug="steps to t − ⌊T/S⌋ (diffusers' hard-coded stride), not to the next timestep of the schedule",
        catches=("ddim.delta_lands_on_x0", "ddim.marginal_preservation", "ddim.sigma_eta"))
class StrideStep(_Hooked):
    def previous_timestep(self, timestep):
        return timestep - self.num_train_timesteps // self.num_inference_steps


@mutant("ddim", bug="a 'deterministic' perturbation drawn from torch.randn without a generator, even at η = 0",
        catches=("ddim.eta0_deterministic",))
class EtaZeroDrawsGlobalNoise(_Hooked):
    def step(self, model_output, timestep, sample, eta=0.0, **kwargs):
        out = super().step(model_output, timestep, sample, eta=eta, **kwargs)
        out.prev_sample = out.prev_sample + 1e-6 * torch.randn(sample.shape, dtype=sample.dtype)
        return out


@mutant("ddim", bug="step's default η is 1.0 (DDPM-like sampling) instead of 0",
        catches=("ddim.eta0_deterministic",))
class DefaultEtaOne(DDIMScheduler):
    def step(self, model_output, timestep, sample, eta=1.0, **kwargs):
        return super().step(model_output, timestep, sample, eta=eta, **kwargs)
