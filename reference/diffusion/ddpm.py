"""Denoising diffusion probabilistic models: noise schedules, the forward process, the posterior, ancestral sampling.

Papers:
  Ho, Jain, Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020 (arXiv:2006.11239) - eqs. (2)-(7), (11), Algorithm 2.
  Nichol, Dhariwal, "Improved Denoising Diffusion Probabilistic Models", ICML 2021 (arXiv:2102.09672) - cosine schedule, eq. (17).
  Salimans, Ho, "Progressive Distillation for Fast Sampling of Diffusion Models", ICLR 2022 (arXiv:2202.00512) - v-prediction.

Contract: diffusers' ``DDPMScheduler`` (``set_timesteps``, ``timesteps``, ``betas``, ``alphas_cumprod``,
``step(model_output, timestep, sample, generator=None)`` returning ``.prev_sample`` and ``.pred_original_sample``,
``add_noise``), with the textbook update (diffusers' ``clip_sample=False``).  Index convention: timesteps are
0-based, t = 0 … T-1, and ᾱ_t = ∏_{s<=t} (1 - β_s), so diffusers' ``alphas_cumprod[t]`` is the paper's ᾱ_{t+1}.

The schedule is float64; every step computes in the sample's dtype and on its device.  Nothing mutates its inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

BETA_SCHEDULES = ("linear", "scaled_linear", "squaredcos_cap_v2")
TIMESTEP_SPACINGS = ("leading", "trailing", "linspace")
PREDICTION_TYPES = ("epsilon", "sample", "v_prediction")
VARIANCE_TYPES = ("fixed_small", "fixed_large")


# ----------------------------------------------------------------------------------------------- schedules


def cosine_alpha_bar(u: float, s: float = 0.008) -> float:
    """Nichol & Dhariwal eq. (17) (unnormalised, only ratios are used): f(u) = cos²((u + s)/(1 + s) · π/2)."""
    # f(u) = cos²((u + s) / (1 + s) · π / 2)
    return math.cos((u + s) / (1 + s) * math.pi / 2) ** 2


def make_betas(num_train_timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02,
               beta_schedule: str = "linear", max_beta: float = 0.999) -> torch.Tensor:
    """β_0 … β_{T-1} (float64) for a named schedule; the names are diffusers'."""
    T = num_train_timesteps
    if not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"num_train_timesteps must be a positive int, got {T!r}")
    if beta_schedule == "linear":
        # β_t = β_start + (β_end − β_start) · t / (T − 1)                    (Ho et al. §4)
        betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    elif beta_schedule == "scaled_linear":
        # β_t = (√β_start + (√β_end − √β_start) · t / (T − 1))²              (latent diffusion)
        betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, T, dtype=torch.float64) ** 2
    elif beta_schedule == "squaredcos_cap_v2":
        # β_t = min(1 − f((t + 1)/T) / f(t/T), max_beta)                      (Nichol & Dhariwal eq. 17)
        betas = torch.tensor([min(1 - cosine_alpha_bar((t + 1) / T) / cosine_alpha_bar(t / T), max_beta)
                              for t in range(T)], dtype=torch.float64)
    else:
        raise ValueError(f"beta_schedule must be one of {BETA_SCHEDULES}, got {beta_schedule!r}")
    if not bool(((betas > 0) & (betas < 1)).all()):
        raise ValueError(f"betas must lie in (0, 1); beta_start={beta_start}, beta_end={beta_end} give "
                         f"[{float(betas.min())}, {float(betas.max())}]")
    return betas


def alpha_bar_from_betas(betas: torch.Tensor) -> torch.Tensor:
    """ᾱ_t = ∏_{s<=t} (1 − β_s)   (Ho et al., notation above eq. 4)."""
    # ᾱ_t = ∏_{s ≤ t} α_s,   α_s = 1 − β_s
    return torch.cumprod(1.0 - betas.to(torch.float64), dim=0)


# ------------------------------------------------------------------------------------- forward process


def q_sample(x0: torch.Tensor, alpha_bar_t, noise: torch.Tensor) -> torch.Tensor:
    """x_t ~ q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I), reparameterised with ε = noise   (Ho et al. eq. 4)."""
    # x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε
    return alpha_bar_t ** 0.5 * x0 + (1 - alpha_bar_t) ** 0.5 * noise


def q_step(x_prev: torch.Tensor, beta_t, noise: torch.Tensor) -> torch.Tensor:
    """x_t ~ q(x_t | x_{t-1}) = N(√(1 − β_t) x_{t-1}, β_t I)   (Ho et al. eq. 2)."""
    # x_t = √(1 − β_t) · x_{t−1} + √β_t · ε
    return (1 - beta_t) ** 0.5 * x_prev + beta_t ** 0.5 * noise


def posterior_mean_variance(x0, x_t, alpha_bar_t: float, alpha_bar_prev: float):
    """q(x_s | x_t, x_0) = N(μ̃, β̃ I) for a step from ᾱ_t down to ᾱ_s = ``alpha_bar_prev`` (s < t, any stride).

    Ho et al. eqs. (6)-(7) with the one-step α_t replaced by the stride's ᾱ_t / ᾱ_s (DDIM appendix C.1).
    Returns (mean, variance) with the variance a Python float.
    """
    # α = ᾱ_t / ᾱ_s,  β = 1 − α        (the stride's own single-step coefficients)
    alpha = alpha_bar_t / alpha_bar_prev
    beta = 1 - alpha
    # μ̃ = √ᾱ_s β / (1 − ᾱ_t) · x_0 + √α (1 − ᾱ_s) / (1 − ᾱ_t) · x_t      (eq. 7)
    mean = (alpha_bar_prev ** 0.5 * beta / (1 - alpha_bar_t)) * x0 \
        + (alpha ** 0.5 * (1 - alpha_bar_prev) / (1 - alpha_bar_t)) * x_t
    # β̃ = (1 − ᾱ_s) / (1 − ᾱ_t) · β                                       (eq. 7)
    variance = (1 - alpha_bar_prev) / (1 - alpha_bar_t) * beta
    return mean, variance


# --------------------------------------------------------------------------- prediction-type conversions


def x0_from_eps(x_t, eps, alpha_bar_t):
    """x̂_0 = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t   (Ho et al. eq. 15)."""
    # x̂_0 = (x_t − √(1 − ᾱ_t) · ε) / √ᾱ_t
    return (x_t - (1 - alpha_bar_t) ** 0.5 * eps) / alpha_bar_t ** 0.5


def eps_from_x0(x_t, x0, alpha_bar_t):
    """ε̂ = (x_t − √ᾱ_t x_0) / √(1 − ᾱ_t)   (eq. 4 solved for ε)."""
    # ε = (x_t − √ᾱ_t · x_0) / √(1 − ᾱ_t)
    return (x_t - alpha_bar_t ** 0.5 * x0) / (1 - alpha_bar_t) ** 0.5


def v_from_x0_eps(x0, eps, alpha_bar_t):
    """v = √ᾱ_t ε − √(1 − ᾱ_t) x_0   (Salimans & Ho §4)."""
    # v = √ᾱ_t · ε − √(1 − ᾱ_t) · x_0
    return alpha_bar_t ** 0.5 * eps - (1 - alpha_bar_t) ** 0.5 * x0


def x0_from_v(x_t, v, alpha_bar_t):
    """x̂_0 = √ᾱ_t x_t − √(1 − ᾱ_t) v   (Salimans & Ho, appendix D)."""
    # x̂_0 = √ᾱ_t · x_t − √(1 − ᾱ_t) · v
    return alpha_bar_t ** 0.5 * x_t - (1 - alpha_bar_t) ** 0.5 * v


def eps_from_v(x_t, v, alpha_bar_t):
    """ε̂ = √(1 − ᾱ_t) x_t + √ᾱ_t v."""
    # ε̂ = √(1 − ᾱ_t) · x_t + √ᾱ_t · v
    return (1 - alpha_bar_t) ** 0.5 * x_t + alpha_bar_t ** 0.5 * v


def to_x0_and_eps(model_output, x_t, alpha_bar_t, prediction_type: str):
    """(x̂_0, ε̂) from a model output of the given prediction type."""
    if prediction_type == "epsilon":
        return x0_from_eps(x_t, model_output, alpha_bar_t), model_output
    if prediction_type == "sample":
        return model_output, eps_from_x0(x_t, model_output, alpha_bar_t)
    if prediction_type == "v_prediction":
        return x0_from_v(x_t, model_output, alpha_bar_t), eps_from_v(x_t, model_output, alpha_bar_t)
    raise ValueError(f"prediction_type must be one of {PREDICTION_TYPES}, got {prediction_type!r}")


# ------------------------------------------------------------------------------------------ timesteps


def make_timesteps(num_inference_steps: int, num_train_timesteps: int, spacing: str = "leading",
                   steps_offset: int = 0) -> np.ndarray:
    """The decreasing inference timesteps (Lin et al. 2024, arXiv:2305.08891, Table 2; diffusers' arithmetic)."""
    S, T = num_inference_steps, num_train_timesteps
    if not isinstance(S, (int, np.integer)) or isinstance(S, bool) or S < 1:
        raise ValueError(f"num_inference_steps must be a positive int, got {S!r}")
    if S > T:
        raise ValueError(f"num_inference_steps must be <= num_train_timesteps={T}, got {S}")
    if spacing == "linspace":
        # τ = round(linspace(0, T − 1, S)), reversed
        timesteps = np.linspace(0, T - 1, S).round()[::-1].astype(np.int64)
    elif spacing == "leading":
        # τ_i = i · ⌊T / S⌋ + offset, i = S − 1 … 0
        timesteps = (np.arange(0, S) * (T // S)).round()[::-1].astype(np.int64) + steps_offset
    elif spacing == "trailing":
        # τ_i = round(T − i · T/S) − 1, i = 0 … S − 1.  The values are numpy's arange(T, 0, −T/S) (diffusers'
        # arithmetic, rounding included); only its first S entries are kept: with a float step that arange has
        # S + 1 entries, the last one −1, for some S (e.g. T = 1000, S = 61).
        timesteps = np.round(np.arange(T, 0, -T / S)[:S]).astype(np.int64) - 1
    else:
        raise ValueError(f"timestep_spacing must be one of {TIMESTEP_SPACINGS}, got {spacing!r}")
    if timesteps.min() < 0 or timesteps.max() >= T:
        raise ValueError(f"steps_offset={steps_offset} puts timesteps outside [0, {T}) "
                         f"(num_inference_steps={S}, spacing={spacing!r})")
    return timesteps.copy()


# ------------------------------------------------------------------------------------------ validation


def check_timestep(timestep, num_train_timesteps: int) -> int:
    """An int timestep in [0, T), from a Python/numpy int or a one-element integer tensor."""
    t = timestep
    if isinstance(t, torch.Tensor) and t.numel() == 1 and not t.is_floating_point():
        t = int(t.item())
    elif isinstance(t, np.ndarray) and t.size == 1 and np.issubdtype(t.dtype, np.integer):
        t = int(t.item())
    if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or not 0 <= t < num_train_timesteps:
        raise ValueError(f"timestep must be an int in [0, {num_train_timesteps}), got {timestep!r}")
    return int(t)


def check_finite(name: str, x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must be finite, got {int((~torch.isfinite(x)).sum())} NaN/inf entries")


def check_step_inputs(model_output: torch.Tensor, sample: torch.Tensor) -> None:
    check_finite("sample", sample)
    check_finite("model_output", model_output)
    if model_output.shape != sample.shape:
        raise ValueError(f"model_output must have the sample's shape {tuple(sample.shape)}, "
                         f"got {tuple(model_output.shape)}")


def draw_noise(shape, generator, like: torch.Tensor) -> torch.Tensor:
    """z ~ N(0, I) exactly as diffusers draws it: ``torch.randn(shape, generator=g)`` on the generator's device."""
    device = generator.device if generator is not None else like.device
    return torch.randn(shape, generator=generator, dtype=like.dtype, device=device).to(like.device)


@dataclass
class SchedulerOutput:
    prev_sample: torch.Tensor
    pred_original_sample: torch.Tensor


# ------------------------------------------------------------------------------------------ scheduler


def check_trained_betas(trained_betas) -> torch.Tensor:
    """β given as data: a non-empty 1-D sequence of finite values in (0, 1) (else ᾱ is NaN, negative or not < 1)."""
    betas = np.array(trained_betas, dtype=np.float64)
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"trained_betas must be a non-empty 1-D sequence, got shape {betas.shape}")
    bad = ~((betas > 0) & (betas < 1))  # NaN fails both comparisons
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"trained_betas must lie in (0, 1); entry {k} is {betas[k]!r}")
    return torch.from_numpy(betas)


def check_steps_offset(steps_offset) -> int:
    if not isinstance(steps_offset, (int, np.integer)) or isinstance(steps_offset, bool) or steps_offset < 0:
        raise ValueError(f"steps_offset must be an int >= 0, got {steps_offset!r}")
    return int(steps_offset)


def scheduler_betas(num_train_timesteps: int, beta_start: float, beta_end: float, beta_schedule: str, trained_betas,
                    clip_sample: bool, prediction_type: str, timestep_spacing: str) -> torch.Tensor:
    """Check the configuration both schedulers share and return β (``trained_betas``, when given, win)."""
    if clip_sample:
        raise ValueError("clip_sample must be False (the textbook update has no clipping), got True")
    if prediction_type not in PREDICTION_TYPES:
        raise ValueError(f"prediction_type must be one of {PREDICTION_TYPES}, got {prediction_type!r}")
    if timestep_spacing not in TIMESTEP_SPACINGS:
        raise ValueError(f"timestep_spacing must be one of {TIMESTEP_SPACINGS}, got {timestep_spacing!r}")
    if trained_betas is not None:
        return check_trained_betas(trained_betas)
    return make_betas(num_train_timesteps, beta_start, beta_end, beta_schedule)


def step_noise(variance_noise, generator, sample: torch.Tensor) -> torch.Tensor:
    """z of a stochastic step: the caller's ``variance_noise`` (checked), else ``torch.randn`` from ``generator``."""
    if variance_noise is None:
        return draw_noise(sample.shape, generator, sample)
    check_finite("variance_noise", variance_noise)
    if variance_noise.shape != sample.shape:
        raise ValueError(f"variance_noise must have the sample's shape {tuple(sample.shape)}, "
                         f"got {tuple(variance_noise.shape)}")
    return variance_noise


def add_noise(alphas_cumprod: torch.Tensor, original_samples: torch.Tensor, noise: torch.Tensor,
              timesteps) -> torch.Tensor:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε per batch element (timesteps: an int or one per leading index)."""
    check_finite("original_samples", original_samples)
    check_finite("noise", noise)
    if noise.shape != original_samples.shape:
        raise ValueError(f"noise must have the shape of original_samples {tuple(original_samples.shape)}, "
                         f"got {tuple(noise.shape)}")
    T = len(alphas_cumprod)
    t = torch.as_tensor(timesteps)
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise ValueError(f"timesteps must be integers, got {t.dtype} values {timesteps!r}")
    t = t.to(torch.int64).flatten()
    if t.numel() == 0 or int(t.min()) < 0 or int(t.max()) >= T:
        raise ValueError(f"timesteps must lie in [0, {T}), got {timesteps!r}")
    batch = original_samples.shape[0] if original_samples.dim() else 1
    if t.numel() not in (1, batch):
        raise ValueError(f"timesteps must hold one timestep or one per batch row ({batch}), got {t.numel()}")
    alpha_bar = alphas_cumprod.to(device=original_samples.device, dtype=original_samples.dtype)
    alpha_bar = alpha_bar[t.to(original_samples.device)]
    alpha_bar = alpha_bar.reshape(alpha_bar.shape + (1,) * (original_samples.dim() - alpha_bar.dim()))
    # x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε                                 (eq. 4)
    return alpha_bar.sqrt() * original_samples + (1 - alpha_bar).sqrt() * noise


class SchedulerAPI:
    """The plumbing of diffusers' scheduler API that DDPM and DDIM share (no sampler mathematics here)."""

    #: ml-invariants' declared support: every option of the contract (the default), float64 arithmetic
    invariants_support = {"precision": "float64"}

    num_train_timesteps: int
    alphas_cumprod: torch.Tensor

    def __len__(self) -> int:
        return self.num_train_timesteps

    def scale_model_input(self, sample: torch.Tensor, timestep=None) -> torch.Tensor:
        return sample

    def set_timesteps(self, num_inference_steps: int, device=None) -> None:
        """τ: S decreasing timesteps under the configured spacing (DDIM §4.2; spacings as in diffusers)."""
        timesteps = make_timesteps(num_inference_steps, self.num_train_timesteps, self.timestep_spacing,
                                   self.steps_offset)
        self.num_inference_steps = int(num_inference_steps)
        self.timesteps = torch.from_numpy(timesteps).to(device)

    def add_noise(self, original_samples: torch.Tensor, noise: torch.Tensor, timesteps) -> torch.Tensor:
        """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε per batch element (timesteps: an int or one per leading index)."""
        return add_noise(self.alphas_cumprod, original_samples, noise, timesteps)


class DDPMScheduler(SchedulerAPI):
    """Ancestral DDPM sampling (Ho et al. Algorithm 2) speaking diffusers' scheduler API.

    ``variance_type="fixed_small"``: σ_t² = β̃_t (the posterior variance); ``"fixed_large"``: σ_t² = β_t, the
    DDIM paper's σ̂.  After ``set_timesteps(S)`` a step goes from τ_i to the next entry τ_{i+1} of ``timesteps``
    (as diffusers' DDPM does) with the stride's β = 1 − ᾱ_{τ_i} / ᾱ_{τ_{i+1}}.  No noise is added on the
    chain's last step (Algorithm 2: z = 0 at t = 1), whose target is ᾱ = 1.
    """

    def __init__(self, num_train_timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02,
                 beta_schedule: str = "linear", trained_betas=None, variance_type: str = "fixed_small",
                 clip_sample: bool = False, prediction_type: str = "epsilon", timestep_spacing: str = "leading",
                 steps_offset: int = 0):
        if variance_type not in VARIANCE_TYPES:
            raise ValueError(f"variance_type must be one of {VARIANCE_TYPES}, got {variance_type!r}")
        self.betas = scheduler_betas(num_train_timesteps, beta_start, beta_end, beta_schedule, trained_betas,
                                     clip_sample, prediction_type, timestep_spacing)
        self.num_train_timesteps = len(self.betas)
        self.variance_type = variance_type
        self.prediction_type = prediction_type
        self.timestep_spacing = timestep_spacing
        self.steps_offset = check_steps_offset(steps_offset)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = alpha_bar_from_betas(self.betas)
        self.init_noise_sigma = 1.0
        self.num_inference_steps = None
        self.timesteps = torch.arange(self.num_train_timesteps - 1, -1, -1, dtype=torch.int64)

    def previous_timestep(self, timestep) -> int:
        """The next entry of ``timesteps`` after ``timestep`` (−1 after the last one); t − 1 before set_timesteps."""
        t = check_timestep(timestep, self.num_train_timesteps)
        if self.num_inference_steps is None:
            return t - 1
        schedule = self.timesteps.tolist()
        if t not in schedule:
            raise ValueError(f"timestep must be one of the scheduler's timesteps {schedule[:3]}…{schedule[-2:]}, "
                             f"got {t}")
        i = schedule.index(t)
        return schedule[i + 1] if i + 1 < len(schedule) else -1

    def step(self, model_output: torch.Tensor, timestep, sample: torch.Tensor, generator=None,
             return_dict: bool = True, variance_noise: torch.Tensor | None = None):
        """One ancestral step x_t → x_s (s = previous timestep): x_s = μ̃(x_t, x̂_0) + σ_t z.

        ``variance_noise`` (a reference-only extension; diffusers draws z from ``generator``) supplies z.
        """
        check_step_inputs(model_output, sample)
        t = check_timestep(timestep, self.num_train_timesteps)
        prev_t = self.previous_timestep(t)
        if variance_noise is not None and generator is not None:
            raise ValueError("variance_noise and generator are exclusive; got both")
        alpha_bar_t = float(self.alphas_cumprod[t])
        alpha_bar_prev = float(self.alphas_cumprod[prev_t]) if prev_t >= 0 else 1.0
        x0_hat, _ = to_x0_and_eps(model_output, sample, alpha_bar_t, self.prediction_type)
        # μ̃_t(x_t, x̂_0) and β̃_t                                          (Ho et al. eq. 7)
        mean, beta_tilde = posterior_mean_variance(x0_hat, sample, alpha_bar_t, alpha_bar_prev)
        # σ_t² = β̃_t (fixed_small) or β_t = 1 − ᾱ_t / ᾱ_s (fixed_large, DDIM's σ̂)
        variance = beta_tilde if self.variance_type == "fixed_small" else 1 - alpha_bar_t / alpha_bar_prev
        prev_sample = mean
        if prev_t >= 0:
            z = step_noise(variance_noise, generator, sample)
            # x_s = μ̃ + σ_t · z                                              (Algorithm 2, line 4)
            prev_sample = mean + variance ** 0.5 * z
        if not return_dict:
            return prev_sample, x0_hat
        return SchedulerOutput(prev_sample=prev_sample, pred_original_sample=x0_hat)



def sample(scheduler, model_fn, x_T: torch.Tensor, num_inference_steps: int | None = None, generator=None,
           **step_kwargs) -> torch.Tensor:
    """Algorithm 2: x_T → x_0, calling ``model_fn(x_t, t)`` at every timestep of ``scheduler``.

    Works with any scheduler of this contract (DDPM or DDIM; ``step_kwargs`` such as ``eta`` go to ``step``).
    """
    if num_inference_steps is not None:
        scheduler.set_timesteps(num_inference_steps)
    x = x_T
    for t in scheduler.timesteps:
        x = scheduler.step(model_fn(x, int(t)), int(t), x, generator=generator, **step_kwargs).prev_sample
    return x
