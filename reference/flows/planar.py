"""Planar and radial flows (Rezende & Mohamed 2015, §4.1 and appendix A).

Planar:  f(z) = z + û h(wᵀz + b),  h = tanh                                   (eq. 10)
         log|det ∂f/∂z| = log|1 + h'(wᵀz + b) wᵀû|                             (eqs. 11–12)
         f is invertible iff wᵀû ≥ −1 (h' ∈ (0, 1]); the constraint is kept by
         û = u + [m(wᵀu) − wᵀu] w/‖w‖²,  m(x) = −1 + log(1 + eˣ)               (appendix A.1)
         so that wᵀû = m(wᵀu) > −1 for every raw u.

Radial:  f(z) = z + β h(α, r)(z − z₀),  h = 1/(α + r),  r = ‖z − z₀‖            (eq. 14)
         log|det| = (d − 1) log(1 + βh) + log(1 + βh + βh'(r) r)              (eq. 14)
         invertible iff β ≥ −α, kept by β = −α + log(1 + e^β̃)                  (appendix A.2)

Neither has an inverse in the paper; both have one: the planar map moves z only along û, and the scalar
a = wᵀz + b solves wᵀy + b = a + wᵀû h(a) (strictly increasing in a), found by safeguarded Newton; the radial
map scales z − z₀ by 1 + βh(r), and r solves ρ = r(1 + β/(α + r)), a quadratic in r.
"""
from __future__ import annotations

import torch

from .base import DTYPE, FlowTransform, generator, normal


def softplus(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.softplus(x)


def _vector(v, features: int, name: str) -> torch.Tensor:
    v = torch.as_tensor(v, dtype=DTYPE).clone()
    if v.shape != (features,) or not bool(torch.isfinite(v).all()):
        raise ValueError(f"{name} must be a finite vector of shape ({features},), got {v.tolist()!r}")
    return v


class Planar(FlowTransform):
    """The planar flow with the û constraint; ``u``, ``w``, ``b`` are the raw parameters (settable)."""

    structure = ("planar",)

    def __init__(self, features: int, seed: int = 0, u=None, w=None, b=None) -> None:
        super().__init__(features, seed)
        g = generator(self.seed)
        self.u = _vector(normal(g, self.features) if u is None else u, self.features, "u")
        self.w = _vector(normal(g, self.features) if w is None else w, self.features, "w")
        self.b = torch.as_tensor(normal(g, 1)[0] if b is None else b, dtype=DTYPE).reshape(()).clone()
        if not bool((self.w != 0).any()):
            raise ValueError("w must be non-zero (the planar flow moves z along û by a function of wᵀz)")

    def u_hat(self) -> torch.Tensor:
        wu = self.w @ self.u
        # û = u + [m(wᵀu) − wᵀu] w/‖w‖²,  m(x) = −1 + log(1 + eˣ)
        return self.u + (-1 + softplus(wu) - wu) * self.w / (self.w @ self.w)

    def forward(self, z):
        # f(z) = z + û h(wᵀz + b)
        return z + self.u_hat() * torch.tanh(z @ self.w + self.b)[..., None]

    def ladj(self, z):
        h_prime = 1 - torch.tanh(z @ self.w + self.b) ** 2
        # log|det| = log|1 + h'(wᵀz + b) wᵀû|
        return torch.log(torch.abs(1 + h_prime * (self.w @ self.u_hat())))

    def inverse(self, y):
        u_hat = self.u_hat()
        c = float(self.w @ u_hat)                      # wᵀû > −1
        target = y @ self.w + self.b                   # = a + c·tanh(a)
        # a + c·tanh(a) is strictly increasing and |a − target| ≤ |c|: bisection brackets, Newton polishes
        lo, hi = target - abs(c) - 1.0, target + abs(c) + 1.0
        a = target.clone()
        for _ in range(100):
            g = a + c * torch.tanh(a) - target
            lo, hi = torch.where(g < 0, a, lo), torch.where(g > 0, a, hi)
            newton = a - g / (1 + c * (1 - torch.tanh(a) ** 2))
            a_next = torch.where((newton > lo) & (newton < hi), newton, (lo + hi) / 2)
            if torch.equal(a_next, a):
                break
            a = a_next
        return y - u_hat * torch.tanh(a)[..., None]


class Radial(FlowTransform):
    """The radial flow with α > 0 and the β ≥ −α constraint; ``z0``, ``alpha_raw``, ``beta_raw`` are raw parameters."""

    def __init__(self, features: int, seed: int = 0) -> None:
        super().__init__(features, seed)
        g = generator(self.seed)
        self.z0 = normal(g, self.features)
        self.alpha_raw = normal(g, 1)
        self.beta_raw = normal(g, 1)

    def alpha_beta(self) -> tuple[torch.Tensor, torch.Tensor]:
        alpha = softplus(self.alpha_raw)[0]
        # β = −α + log(1 + e^β̃) ≥ −α
        beta = -alpha + softplus(self.beta_raw)[0]
        return alpha, beta

    def forward(self, z):
        alpha, beta = self.alpha_beta()
        r = torch.linalg.vector_norm(z - self.z0, dim=-1, keepdim=True)
        # f(z) = z + β h(α, r)(z − z₀),  h = 1/(α + r)
        return z + beta / (alpha + r) * (z - self.z0)

    def ladj(self, z):
        alpha, beta = self.alpha_beta()
        r = torch.linalg.vector_norm(z - self.z0, dim=-1)
        bh = beta / (alpha + r)
        bh_prime_r = -beta * r / (alpha + r) ** 2
        # log|det| = (d − 1) log(1 + βh) + log(1 + βh + βh'(r) r)
        return (self.features - 1) * torch.log1p(bh) + torch.log(1 + bh + bh_prime_r)

    def inverse(self, y):
        alpha, beta = self.alpha_beta()
        rho = torch.linalg.vector_norm(y - self.z0, dim=-1, keepdim=True)
        # ρ = r(1 + β/(α + r))  ⇔  r² + (α + β − ρ) r − αρ = 0, the non-negative root
        p = alpha + beta - rho
        root = torch.sqrt(p * p + 4 * alpha * rho)
        r = torch.where(p > 0, 2 * alpha * rho / (p + root), (root - p) / 2)   # no cancellation either way
        return self.z0 + (y - self.z0) / (1 + beta / (alpha + r))

