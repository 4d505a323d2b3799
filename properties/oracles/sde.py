"""Closed-form oracles for score-based diffusion in continuous time (torch, float64, differentiable in x).

Song et al., "Score-Based Generative Modeling through Stochastic Differential Equations", ICLR 2021
(arXiv:2011.13456): the forward SDE dx = f(t) x dt + g(t) dw of each family is linear, so x_t | x_0 ~ N(a(t) x_0,
s(t)² I) with

    VP      β(t) = β_min + t (β_max − β_min),  B(t) = ∫₀ᵗ β = β_min t + ½ t² (β_max − β_min)       (eq. 11, 29)
            f = −½β(t), g = √β(t);                       a = e^{−B/2}, s = √(1 − e^{−B})
    sub-VP  f = −½β(t), g = √(β(t) (1 − e^{−2B(t)}));    a = e^{−B/2}, s = 1 − e^{−B}     (eq. 16, 17)
    VE      σ(t) = σ_min (σ_max/σ_min)^t,  f = 0, g = σ(t) √(2 log(σ_max/σ_min));  a = 1, s = σ(t)   (eq. 30, 31)

(the VE marginal takes score_sde's convention: the data at t = 0 already carry σ_min, so s(t) = σ(t) rather than
√(σ(t)² − σ_min²); both solve the same moment equations d a/dt = f a, d s²/dt = 2 f s² + g²).  Data N(μ, Σ) or a
Gaussian mixture stay Gaussian / a mixture at every t: component N(a μ_k, a² Σ_k + s² I).  With Σ = Q diag(λ) Qᵀ
every C_t = a²Σ + s²I = Q diag(a²λ + s²) Qᵀ shares Σ's eigenvectors, which gives

* the exact score, ε = −s · score, the classifier log p_t(y | x) and its gradient, all in closed form;
* the exact probability-flow map (Song et al. eq. 13): each eigen-coordinate u of x − a μ obeys
  du/dt = (f + g²/(2c)) u with dc/dt = 2 f c + g² (c = a²λ + s²), so u(t) = u(r) √(c(t)/c(r)) — the ODE moves a
  point of N(a_r μ, C_r) to the point of N(a_t μ, C_t) at the same whitened position, and the likelihood through it
  is log π(Φ(x)) + ½ Σ log c(T) − ½ Σ log c(ε) (the instantaneous change of variables, eq. 39, in closed form).

:class:`ClosedFormSDE` speaks score_sde's ``sde_lib`` contract (``properties.diffusion.sde``) with these formulas;
the sampler invariants run every sampler on it, so a sampler is judged independently of any SDE it ships with.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from properties.oracles.gaussian import sample_mixture

KINDS = ("vp", "subvp", "ve")
F64 = torch.float64


def _t(t) -> torch.Tensor:
    return torch.as_tensor(t, dtype=F64)


# ------------------------------------------------------------------------------------ the families' coefficients


def beta(t, beta_min: float, beta_max: float) -> torch.Tensor:
    """β(t) = β_min + t (β_max − β_min)."""
    return beta_min + _t(t) * (beta_max - beta_min)


def beta_integral(t, beta_min: float, beta_max: float) -> torch.Tensor:
    """B(t) = ∫₀ᵗ β(u) du = β_min t + ½ t² (β_max − β_min)."""
    t = _t(t)
    return beta_min * t + 0.5 * t ** 2 * (beta_max - beta_min)


def ve_sigma(t, sigma_min: float, sigma_max: float) -> torch.Tensor:
    """σ(t) = σ_min (σ_max / σ_min)^t."""
    return sigma_min * (sigma_max / sigma_min) ** _t(t)


def marginal_coefficients(kind: str, t, p: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """(a(t), s(t)) with x_t | x_0 ~ N(a x_0, s² I)."""
    if kind == "ve":
        return torch.ones_like(_t(t)), ve_sigma(t, p["sigma_min"], p["sigma_max"])
    B = beta_integral(t, p["beta_min"], p["beta_max"])
    a = torch.exp(-0.5 * B)
    if kind == "vp":
        return a, torch.sqrt(-torch.expm1(-B))
    if kind == "subvp":
        return a, -torch.expm1(-B)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def drift_diffusion(kind: str, t, p: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """(φ(t), g(t)) with the drift f(x, t) = φ(t) x."""
    if kind == "ve":
        return torch.zeros_like(_t(t)), ve_sigma(t, p["sigma_min"], p["sigma_max"]) * math.sqrt(
            2 * math.log(p["sigma_max"] / p["sigma_min"]))
    b = beta(t, p["beta_min"], p["beta_max"])
    if kind == "vp":
        return -0.5 * b, torch.sqrt(b)
    if kind == "subvp":
        return -0.5 * b, torch.sqrt(b * -torch.expm1(-2 * beta_integral(t, p["beta_min"], p["beta_max"])))
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def prior_std(kind: str, p: dict) -> float:
    """The prior N(0, σ_T² I) score_sde samples from: σ_T = σ_max (VE) or 1."""
    return float(p["sigma_max"]) if kind == "ve" else 1.0


def discrete_index(t, N: int, T: float = 1.0) -> torch.Tensor:
    """score_sde's step index of time t: i = ⌊t (N − 1) / T⌋."""
    return (_t(t) * (N - 1) / T).long()


# --------------------------------------------------------------------------------- the SDE in score_sde's API


class ClosedFormSDE:
    """score_sde's ``sde_lib`` SDE of one family, from the closed forms above (batch: x (B, d), t (B,))."""

    T = 1.0

    def __init__(self, kind: str, beta_min: float = 0.1, beta_max: float = 20.0, sigma_min: float = 0.01,
                 sigma_max: float = 50.0, N: int = 1000):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.kind, self.N = kind, int(N)
        self.params = ({"sigma_min": float(sigma_min), "sigma_max": float(sigma_max)} if kind == "ve"
                       else {"beta_min": float(beta_min), "beta_max": float(beta_max)})
        if kind == "ve":
            self.sigma_min, self.sigma_max = float(sigma_min), float(sigma_max)
        else:
            self.beta_0, self.beta_1 = float(beta_min), float(beta_max)

    def sde(self, x, t):
        phi, g = drift_diffusion(self.kind, t, self.params)
        return phi[:, None] * x, g

    def marginal_prob(self, x, t):
        a, s = marginal_coefficients(self.kind, t, self.params)
        return a[:, None] * x, s

    def prior_sampling(self, shape, generator=None):
        return torch.randn(*shape, generator=generator, dtype=F64) * prior_std(self.kind, self.params)

    def prior_logp(self, z):
        return gaussian_logp(z, prior_std(self.kind, self.params))

    def discretize(self, x, t):
        """VP: DDPM's x_{i+1} = √(1−β_i) x_i + √β_i z, β_i = β(t_i)/N; VE: SMLD's G_i² = σ_i² − σ_{i−1}² (σ_{−1} = 0),
        σ_i = σ(t_i); sub-VP: Euler–Maruyama over Δt = T/N (t_i = i T/(N−1), i = ⌊t (N−1)/T⌋, score_sde)."""
        N, i = self.N, discrete_index(t, self.N, self.T)
        if self.kind == "vp":
            b = beta(i.to(F64) * self.T / (N - 1), self.beta_0, self.beta_1) / N
            return (torch.sqrt(1 - b) - 1)[:, None] * x, torch.sqrt(b)
        if self.kind == "ve":
            sig = ve_sigma(i.to(F64) * self.T / (N - 1), self.sigma_min, self.sigma_max)
            prev = torch.where(i == 0, torch.zeros_like(sig),
                               ve_sigma((i - 1).clamp(min=0).to(F64) * self.T / (N - 1), self.sigma_min, self.sigma_max))
            return torch.zeros_like(x), torch.sqrt(sig ** 2 - prev ** 2)
        f, g = self.sde(x, t)
        dt = self.T / N
        return f * dt, g * math.sqrt(dt)

    def reverse(self, score_fn, probability_flow: bool = False):
        return ClosedFormReverse(self, score_fn, probability_flow)


@dataclass
class ClosedFormReverse:
    """The reverse-time SDE (Song et al. eq. 6) or the probability-flow ODE (eq. 13) of ``forward``."""

    forward: ClosedFormSDE
    score_fn: object
    probability_flow: bool

    @property
    def T(self):
        return self.forward.T

    @property
    def N(self):
        return self.forward.N

    def sde(self, x, t):
        f, g = self.forward.sde(x, t)
        k = 0.5 if self.probability_flow else 1.0
        return f - k * (g ** 2)[:, None] * self.score_fn(x, t), (torch.zeros_like(g) if self.probability_flow else g)

    def discretize(self, x, t):
        f, G = self.forward.discretize(x, t)
        k = 0.5 if self.probability_flow else 1.0
        return f - k * (G ** 2)[:, None] * self.score_fn(x, t), (torch.zeros_like(G) if self.probability_flow else G)


def gaussian_logp(z: torch.Tensor, std: float) -> torch.Tensor:
    """log N(z; 0, std² I) per row."""
    d = z.shape[-1]
    return -0.5 * d * math.log(2 * math.pi * std ** 2) - (z ** 2).sum(-1) / (2 * std ** 2)


# ----------------------------------------------------------------------------- Gaussian data and mixtures


@dataclass(frozen=True)
class GaussianData:
    """Data N(μ, Σ), Σ = Q diag(λ) Qᵀ, noised by a family with parameters ``p``."""

    kind: str
    p: dict
    mu: np.ndarray
    Sigma: np.ndarray

    def __post_init__(self):
        lam, Q = np.linalg.eigh(0.5 * (np.asarray(self.Sigma) + np.asarray(self.Sigma).T))
        object.__setattr__(self, "eig", (torch.as_tensor(lam, dtype=F64), torch.as_tensor(Q, dtype=F64)))

    def _c(self, t):
        """(a, s, c) with c (B, d) the eigenvalues of C_t."""
        a, s = marginal_coefficients(self.kind, t, self.p)
        lam, _ = self.eig
        return a, s, a[:, None] ** 2 * lam + s[:, None] ** 2

    def score(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """∇ log q_t(x) = −C_t⁻¹ (x − a μ)."""
        a, _, c = self._c(t)
        _, Q = self.eig
        u = (x - a[:, None] * torch.as_tensor(self.mu, dtype=F64)) @ Q
        return -(u / c) @ Q.T

    def flow(self, x: torch.Tensor, r: float, t: float) -> torch.Tensor:
        """The exact probability-flow map from time r to time t (module docstring)."""
        B = x.shape[0]
        ar, _, cr = self._c(torch.full((B,), r, dtype=F64))
        at, _, ct = self._c(torch.full((B,), t, dtype=F64))
        _, Q = self.eig
        mu = torch.as_tensor(self.mu, dtype=F64)
        u = (x - ar[:, None] * mu) @ Q
        return at[:, None] * mu + (u * torch.sqrt(ct / cr)) @ Q.T

    def pf_log_likelihood(self, x: torch.Tensor, eps: float, T: float = 1.0) -> torch.Tensor:
        """log π(Φ_{ε→T}(x)) + ½ Σ log c(T) − ½ Σ log c(ε), π = the family's prior N(0, σ_T² I)."""
        B = x.shape[0]
        _, _, ce = self._c(torch.full((B,), eps, dtype=F64))
        _, _, cT = self._c(torch.full((B,), T, dtype=F64))
        z = self.flow(x, eps, T)
        return gaussian_logp(z, prior_std(self.kind, self.p)) + 0.5 * (torch.log(cT) - torch.log(ce)).sum(-1)

    def marginal_logp(self, x: torch.Tensor, t: float) -> torch.Tensor:
        """log q_t(x), the exact marginal density."""
        B = x.shape[0]
        a, _, c = self._c(torch.full((B,), t, dtype=F64))
        _, Q = self.eig
        u = (x - a[:, None] * torch.as_tensor(self.mu, dtype=F64)) @ Q
        return -0.5 * ((u ** 2) / c + torch.log(2 * math.pi * c)).sum(-1)


@dataclass(frozen=True)
class GaussianMixture:
    """Data Σ_k w_k N(μ_k, Σ_k) with class labels ``labels[k]`` (a class is one or more components), noised by a
    family with parameters ``p``; p_t(y | x) = Σ_{k∈y} w_k N_k(x) / Σ_k w_k N_k(x) is the exact classifier."""

    kind: str
    p: dict
    weights: tuple
    mus: tuple
    Sigmas: tuple
    labels: tuple

    def __post_init__(self):
        eigs = []
        for S in self.Sigmas:
            lam, Q = np.linalg.eigh(0.5 * (np.asarray(S) + np.asarray(S).T))
            eigs.append((torch.as_tensor(lam, dtype=F64), torch.as_tensor(Q, dtype=F64)))
        object.__setattr__(self, "eigs", tuple(eigs))
        object.__setattr__(self, "mu_t", tuple(torch.as_tensor(np.asarray(m), dtype=F64) for m in self.mus))

    def _components(self, x: torch.Tensor, t: torch.Tensor):
        """Per component: log(w_k N_k(x)) (K, B) and the component score −C_k⁻¹ (x − a μ_k) (K, B, d)."""
        a, s = marginal_coefficients(self.kind, t, self.p)
        logs, scores = [], []
        for w, mu, (lam, Q) in zip(self.weights, self.mu_t, self.eigs):
            c = a[:, None] ** 2 * lam + s[:, None] ** 2
            u = (x - a[:, None] * mu) @ Q
            logs.append(math.log(w) - 0.5 * ((u ** 2) / c + torch.log(2 * math.pi * c)).sum(-1))
            scores.append(-(u / c) @ Q.T)
        return torch.stack(logs), torch.stack(scores)

    def _weighted_score(self, logs, scores, keep):
        logs = torch.where(keep[:, None], logs, torch.full_like(logs, -math.inf))
        r = torch.softmax(logs, dim=0)
        return torch.einsum("kb,kbd->bd", r, scores)

    def score(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """∇ log p_t(x): the responsibility-weighted component scores."""
        logs, scores = self._components(x, t)
        return self._weighted_score(logs, scores, torch.ones(len(self.weights), dtype=torch.bool))

    def conditional_score(self, x: torch.Tensor, t: torch.Tensor, y: int) -> torch.Tensor:
        """∇ log p_t(x | y): the same over the components of class y."""
        logs, scores = self._components(x, t)
        return self._weighted_score(logs, scores, torch.tensor([lab == y for lab in self.labels]))

    def classifier_log_prob(self, x: torch.Tensor, t: torch.Tensor, y: int) -> torch.Tensor:
        """log p_t(y | x) = logsumexp_{k∈y} log w_k N_k − logsumexp_k log w_k N_k."""
        logs, _ = self._components(x, t)
        keep = torch.tensor([lab == y for lab in self.labels])
        return torch.logsumexp(logs[keep], 0) - torch.logsumexp(logs, 0)

    def classifier_grad(self, x: torch.Tensor, t: torch.Tensor, y: int) -> torch.Tensor:
        """∇ log p_t(y | x), by automatic differentiation of :meth:`classifier_log_prob` — a computation of its own,
        not the difference of the scores that Bayes' rule says it equals."""
        with torch.enable_grad():
            xg = x.detach().clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.classifier_log_prob(xg, t, y).sum(), xg)
        return grad

    def log_density(self, x: torch.Tensor, t: torch.Tensor, y: int | None = None) -> torch.Tensor:
        """log p_t(x) (y None) or log p_t(x | y), normalised."""
        logs, _ = self._components(x, t)
        if y is None:
            return torch.logsumexp(logs, 0)
        keep = torch.tensor([lab == y for lab in self.labels])
        class_weight = sum(w for w, lab in zip(self.weights, self.labels) if lab == y)
        return torch.logsumexp(logs[keep], 0) - math.log(class_weight)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n draws of the data (t = 0)."""
        return sample_mixture(self.weights, self.mus, self.Sigmas, n, rng)
