"""Score-based generative modelling through SDEs: the VP, sub-VP and VE SDEs.

Paper: Song, Sohl-Dickstein, Kingma, Kumar, Ermon, Poole, "Score-Based Generative Modeling through Stochastic
Differential Equations", ICLR 2021 (arXiv:2011.13456): the forward SDE dx = f(x, t) dt + g(t) dw (eq. 5), the
reverse-time SDE dx = [f − g² ∇ log p_t(x)] dt + g dw̄ (eq. 6), the probability-flow ODE
dx = [f − ½ g² ∇ log p_t(x)] dt (eq. 13); VE (eq. 9, 30, 31), VP (eq. 11, 29), sub-VP (eq. 16, 17); the
discretisations of appendix E (DDPM's ancestral chain for VP, SMLD's for VE).

Contract: score_sde's ``sde_lib`` (github.com/yang-song/score_sde_pytorch, ``sde_lib.py``): ``T``, ``N``,
``sde(x, t) -> (drift, diffusion)``, ``marginal_prob(x, t) -> (mean, std)``, ``prior_sampling(shape)``,
``prior_logp(z)``, ``discretize(x, t) -> (f, G)`` (x_{i+1} = x_i + f + G z), ``reverse(score_fn, probability_flow)``;
the attributes ``beta_0``, ``beta_1`` (VP, sub-VP) and ``sigma_min``, ``sigma_max`` (VE).  One change:
``prior_sampling(shape, generator=None)`` takes a ``torch.Generator`` and draws
``torch.randn(shape, generator=generator, dtype=torch.float64)``, so that sampling is reproducible without the
global RNG.  x is (B, ...) and t a (B,) tensor (a float is broadcast) with 0 ≤ t ≤ T; everything is float64.
"""
from __future__ import annotations

import math

import torch

F64 = torch.float64


# --------------------------------------------------------------------------------------------- validation


def _finite_float(name: str, value, minimum: float | None = None, strict: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (v <= minimum if strict else v < minimum):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum}, got {value!r}")
    return v


def _check_N(N) -> int:
    if isinstance(N, bool) or not isinstance(N, int) or N < 2:
        raise ValueError(f"N (the number of discretisation steps) must be an int >= 2, got {N!r}")
    return N


def check_x(x, name: str = "x") -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.ndim < 1:
        raise ValueError(f"{name} must be a tensor of shape (B, ...), got {type(x).__name__}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def check_t(t, batch: int, T: float, name: str = "t") -> torch.Tensor:
    """t as a (B,) float64 tensor in [0, T]."""
    t = torch.as_tensor(t, dtype=F64)
    if t.ndim == 0:
        t = t.expand(batch)
    if t.shape != (batch,):
        raise ValueError(f"{name} must be a float or a tensor of shape ({batch},), got shape {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    if bool((t < 0).any()) or bool((t > T).any()):
        raise ValueError(f"{name} must lie in [0, T] = [0, {T}], got values in [{float(t.min())}, {float(t.max())}]")
    return t


def _bcast(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A (B,) coefficient shaped to multiply x (B, ...)."""
    return v.reshape((-1,) + (1,) * (x.ndim - 1))


# ------------------------------------------------------------------------------------------------- the SDEs


class SDE:
    """What every SDE shares: the time domain, the Euler–Maruyama discretisation and the reverse-time SDE."""

    invariants_support = {"operations": ["sde"], "precision": "float64"}

    def __init__(self, N: int):
        self.N = _check_N(N)

    @property
    def T(self) -> float:
        return 1.0

    def _args(self, x, t):
        x = check_x(x)
        return x.to(F64), check_t(t, x.shape[0], self.T)

    def discretize(self, x, t):
        """Euler–Maruyama over Δt = T/N: f = f(x, t) Δt, G = g(t) √Δt  (score_sde's default)."""
        dt = self.T / self.N
        drift, diffusion = self.sde(x, t)
        # f_i = f(x_i, t_i) Δt,   G_i = g(t_i) √Δt
        return drift * dt, diffusion * math.sqrt(dt)

    def reverse(self, score_fn, probability_flow: bool = False) -> "ReverseSDE":
        if not callable(score_fn):
            raise ValueError(f"score_fn must be callable, got {type(score_fn).__name__}")
        if not isinstance(probability_flow, bool):
            raise ValueError(f"probability_flow must be a bool, got {probability_flow!r}")
        return ReverseSDE(self, score_fn, probability_flow)


class ReverseSDE:
    """The reverse-time SDE of ``forward`` (eq. 6), or its probability-flow ODE (eq. 13) when
    ``probability_flow``; ``discretize`` reverses the forward discretisation (appendix E, eq. 45–47)."""

    def __init__(self, forward: SDE, score_fn, probability_flow: bool):
        self.forward, self.score_fn, self.probability_flow = forward, score_fn, probability_flow
        self.N = forward.N

    @property
    def T(self) -> float:
        return self.forward.T

    def sde(self, x, t):
        drift, diffusion = self.forward.sde(x, t)
        t = check_t(t, x.shape[0], self.T)
        score = self.score_fn(x, t)
        # reverse SDE:  f − g² ∇log p_t;   probability flow:  f − ½ g² ∇log p_t, no diffusion
        k = 0.5 if self.probability_flow else 1.0
        drift = drift - k * _bcast(diffusion ** 2, x) * score
        return drift, (torch.zeros_like(diffusion) if self.probability_flow else diffusion)

    def discretize(self, x, t):
        f, G = self.forward.discretize(x, t)
        t = check_t(t, x.shape[0], self.T)
        # rev_f = f_i − G_i² ∇log p (× ½ for the probability flow),  rev_G = G_i (0 for the probability flow)
        k = 0.5 if self.probability_flow else 1.0
        rev_f = f - k * _bcast(G ** 2, x) * self.score_fn(x, t)
        return rev_f, (torch.zeros_like(G) if self.probability_flow else G)


def _standard_normal_logp(z: torch.Tensor, std: float) -> torch.Tensor:
    # log N(z; 0, std² I) = −D/2 log(2π std²) − ‖z‖² / (2 std²),  D = dimensions of one sample
    D = z[0].numel()
    return -0.5 * D * math.log(2 * math.pi * std ** 2) - (z.reshape(z.shape[0], -1) ** 2).sum(-1) / (2 * std ** 2)


class VPSDE(SDE):
    """Variance preserving: dx = −½ β(t) x dt + √β(t) dw,  β(t) = β_min + t (β_max − β_min)  (eq. 11, 29)."""

    invariants_support = {"kind": ["vp"], **SDE.invariants_support}

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0, N: int = 1000):
        super().__init__(N)
        self.beta_0 = _finite_float("beta_min", beta_min, minimum=0.0)
        self.beta_1 = _finite_float("beta_max", beta_max, minimum=0.0, strict=True)
        # DDPM's chain: β_i = β(t_i) / N at t_i = i / (N − 1)  (appendix B: β_i = β̄_i / N)
        self.discrete_betas = torch.linspace(self.beta_0 / N, self.beta_1 / N, N, dtype=F64)
        self.alphas = 1.0 - self.discrete_betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)

    def beta(self, t: torch.Tensor) -> torch.Tensor:
        # β(t) = β_min + t (β_max − β_min)
        return self.beta_0 + t * (self.beta_1 - self.beta_0)

    def log_mean_coeff(self, t: torch.Tensor) -> torch.Tensor:
        # log a(t) = −½ ∫₀ᵗ β(s) ds = −¼ t² (β_max − β_min) − ½ t β_min
        return -0.25 * t ** 2 * (self.beta_1 - self.beta_0) - 0.5 * t * self.beta_0

    def sde(self, x, t):
        x, t = self._args(x, t)
        beta_t = self.beta(t)
        # f(x, t) = −½ β(t) x,   g(t) = √β(t)
        return -0.5 * _bcast(beta_t, x) * x, torch.sqrt(beta_t)

    def marginal_prob(self, x, t):
        x, t = self._args(x, t)
        lmc = self.log_mean_coeff(t)
        # mean = e^{log a(t)} x0,   std = √(1 − e^{2 log a(t)})
        return _bcast(torch.exp(lmc), x) * x, torch.sqrt(-torch.expm1(2 * lmc))

    def prior_sampling(self, shape, generator=None):
        # x_T ~ N(0, I)
        return torch.randn(*shape, generator=generator, dtype=F64)

    def prior_logp(self, z):
        return _standard_normal_logp(check_x(z, "z").to(F64), 1.0)

    def discretize(self, x, t):
        """DDPM's transition x_{i+1} = √(1 − β_i) x_i + √β_i z, i = ⌊t (N − 1) / T⌋  (appendix E)."""
        x, t = self._args(x, t)
        i = (t * (self.N - 1) / self.T).long()
        beta_i, alpha_i = self.discrete_betas[i], self.alphas[i]
        if bool((beta_i >= 1).any()):
            raise ValueError(f"N too small for DDPM's chain: β_i = β(t_i)/N must be < 1, got beta_max / N = "
                             f"{self.beta_1 / self.N}")
        # f_i = (√α_i − 1) x,   G_i = √β_i
        return (_bcast(torch.sqrt(alpha_i), x) - 1.0) * x, torch.sqrt(beta_i)


class subVPSDE(VPSDE):
    """Sub-VP: dx = −½ β(t) x dt + √(β(t) (1 − e^{−2 ∫₀ᵗ β})) dw  (eq. 16); its std is 1 − e^{−∫β} (eq. 17), which
    looks like VP's variance and is ≤ VP's std."""

    invariants_support = {"kind": ["subvp"], **SDE.invariants_support}

    def sde(self, x, t):
        x, t = self._args(x, t)
        beta_t = self.beta(t)
        # 1 − e^{−2 ∫₀ᵗ β} = 1 − e^{4 log a(t)}
        discount = -torch.expm1(4 * self.log_mean_coeff(t))
        return -0.5 * _bcast(beta_t, x) * x, torch.sqrt(beta_t * discount)

    def marginal_prob(self, x, t):
        x, t = self._args(x, t)
        lmc = self.log_mean_coeff(t)
        # mean = a(t) x0,   std = 1 − a(t)²   (eq. 17)
        return _bcast(torch.exp(lmc), x) * x, -torch.expm1(2 * lmc)

    discretize = SDE.discretize


class VESDE(SDE):
    """Variance exploding: dx = σ(t) √(2 log(σ_max/σ_min)) dw,  σ(t) = σ_min (σ_max/σ_min)^t  (eq. 9, 30)."""

    invariants_support = {"kind": ["ve"], **SDE.invariants_support}

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 50.0, N: int = 1000):
        super().__init__(N)
        self.sigma_min = _finite_float("sigma_min", sigma_min, minimum=0.0, strict=True)
        self.sigma_max = _finite_float("sigma_max", sigma_max, minimum=0.0, strict=True)
        if self.sigma_max <= self.sigma_min:
            raise ValueError(f"sigma_max must be > sigma_min, got sigma_min={sigma_min}, sigma_max={sigma_max}")
        # SMLD's noise levels: σ_i = σ_min (σ_max/σ_min)^{i/(N−1)}, i = 0 … N − 1
        self.discrete_sigmas = torch.exp(torch.linspace(math.log(self.sigma_min), math.log(self.sigma_max), N,
                                                        dtype=F64))

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        # σ(t) = σ_min (σ_max / σ_min)^t
        return self.sigma_min * (self.sigma_max / self.sigma_min) ** t

    def sde(self, x, t):
        x, t = self._args(x, t)
        # f = 0,   g(t) = σ(t) √(2 (log σ_max − log σ_min))
        return torch.zeros_like(x), self.sigma(t) * math.sqrt(2 * (math.log(self.sigma_max) - math.log(self.sigma_min)))

    def marginal_prob(self, x, t):
        x, t = self._args(x, t)
        # mean = x0,   std = σ(t)   (score_sde's convention: the data at t = 0 carry σ_min)
        return x, self.sigma(t)

    def prior_sampling(self, shape, generator=None):
        # x_T ~ N(0, σ_max² I)
        return torch.randn(*shape, generator=generator, dtype=F64) * self.sigma_max

    def prior_logp(self, z):
        return _standard_normal_logp(check_x(z, "z").to(F64), self.sigma_max)

    def discretize(self, x, t):
        """SMLD's transition x_{i+1} = x_i + √(σ_{i+1}² − σ_i²) z, here indexed as G_i = √(σ_i² − σ_{i−1}²), σ_{−1} = 0."""
        x, t = self._args(x, t)
        i = (t * (self.N - 1) / self.T).long()
        sigma = self.discrete_sigmas[i]
        adjacent = torch.where(i == 0, torch.zeros_like(sigma), self.discrete_sigmas[(i - 1).clamp(min=0)])
        # f_i = 0,   G_i = √(σ_i² − σ_{i−1}²)
        return torch.zeros_like(x), torch.sqrt(sigma ** 2 - adjacent ** 2)
