"""Masked autoregressive flow (MAF, Papamakarios, Pavlakou & Murray 2017) with MADE masks (Germain et al. 2015).

Data → base direction (the density is one pass):

    u_i = (x_i − μ_i(x_{<i})) exp(−α_i(x_{<i}))          (MAF, eq. 3 inverted: x_i = u_i exp(α_i) + μ_i)
    log|det ∂u/∂x| = −Σ_i α_i(x_{<i})                      (MAF, eq. 5)

The inverse is sequential: x_i = u_i exp(α_i(x_{<i})) + μ_i(x_{<i}) in the autoregressive order.

MADE (Germain et al., eqs. 12–13): input k gets degree m(k) = its position in ``order`` (1…D), hidden units get
degrees in {1, …, D − 1}, a hidden unit sees input k iff m_h ≥ m(k), and output i sees hidden unit h iff
m(i) > m_h, so (μ_i, α_i) depend on x_{<i} only and ∂u/∂x is triangular in the order.
"""
from __future__ import annotations

import torch

from .base import Conditioner, FlowTransform, generator


class MAF(FlowTransform):
    structure = ("triangular",)

    def __init__(self, features: int, seed: int = 0, order: str = "natural", hidden: int = 8) -> None:
        super().__init__(features, seed)
        d = self.features
        if order not in ("natural", "reversed"):
            raise ValueError(f"order must be 'natural' or 'reversed', got {order!r}")
        self.order = torch.arange(d) if order == "natural" else torch.arange(d - 1, -1, -1)
        g = generator(self.seed)
        m_in = torch.empty(d, dtype=torch.long)
        m_in[self.order] = torch.arange(1, d + 1)                      # degree of input k
        # hidden degrees cycle through 1 … max(D − 1, 1)
        m_hidden = torch.arange(hidden) % max(d - 1, 1) + 1
        in_mask = (m_hidden[:, None] >= m_in[None, :]).to(torch.float64)            # (hidden, d)
        out_deg = m_in.repeat(2)                                                     # μ for each i, then α
        out_mask = (out_deg[:, None] > m_hidden[None, :]).to(torch.float64)         # (2d, hidden)
        self.m_in = m_in
        self.net = Conditioner(d, 2 * d, g, hidden=hidden, in_mask=in_mask, out_mask=out_mask)

    def mu_alpha(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(x)
        return out[..., : self.features], out[..., self.features:]

    def forward(self, x):
        mu, alpha = self.mu_alpha(x)
        # u_i = (x_i − μ_i) exp(−α_i)
        return (x - mu) * torch.exp(-alpha)

    def ladj(self, x):
        _, alpha = self.mu_alpha(x)
        # log|det ∂u/∂x| = −Σ_i α_i
        return -alpha.sum(-1)

    def inverse(self, u):
        x = torch.zeros_like(u)
        for i in self.order.tolist():          # x_i needs x_{<i} only: one coordinate per pass
            mu, alpha = self.mu_alpha(x)
            # x_i = u_i exp(α_i) + μ_i
            x = x.clone()
            x[..., i] = u[..., i] * torch.exp(alpha[..., i]) + mu[..., i]
        return x
