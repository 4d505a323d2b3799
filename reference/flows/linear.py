"""Invertible linear map with an LU parametrisation (Glow's invertible 1×1 convolution, Kingma & Dhariwal 2018, §3.2).

    W = P L (U + diag(s)),  P a permutation, L unit lower triangular, U strictly upper triangular   (Glow, eq. 10)
    y = W x,   log|det W| = Σ_i log|s_i|                                                           (Glow, Table 1)
    x = W⁻¹ y by a permutation and two triangular solves

``LULinear(features, seed)`` draws P, L, U and s (random signs, |s| = e^{N(0, 0.3²)}); ``weight=W`` factors a given
matrix instead, and a singular W (some |s_i| ≤ d·ε·max|s|) is a ``ValueError`` naming ``weight``.
"""
from __future__ import annotations

import torch

from .base import DTYPE, FlowTransform, generator, normal


class LULinear(FlowTransform):
    structure = ()

    def __init__(self, features: int, seed: int = 0, weight=None) -> None:
        super().__init__(features, seed)
        d = self.features
        if weight is None:
            g = generator(self.seed)
            self.P = torch.eye(d, dtype=DTYPE)[torch.randperm(d, generator=g)]
            self.L = torch.tril(normal(g, d, d, scale=0.3), -1) + torch.eye(d, dtype=DTYPE)
            self.U = torch.triu(normal(g, d, d, scale=0.3), 1)
            signs = torch.where(torch.rand(d, generator=g, dtype=DTYPE) < 0.5, -1.0, 1.0).to(DTYPE)
            self.s = signs * torch.exp(normal(g, d, scale=0.3))
        else:
            W = torch.as_tensor(weight, dtype=DTYPE)
            if W.shape != (d, d) or not bool(torch.isfinite(W).all()):
                raise ValueError(f"weight must be a finite ({d}, {d}) matrix, got shape {tuple(W.shape)}")
            P, L, LU_upper = torch.linalg.lu(W)
            s = torch.diagonal(LU_upper).clone()
            if not bool((s.abs() > d * torch.finfo(DTYPE).eps * max(float(s.abs().max()), 1e-300)).all()):
                raise ValueError(f"weight is singular (its LU factor has diagonal {s.tolist()}): no inverse, "
                                 f"log|det| = −∞")
            self.P, self.L, self.U, self.s = P, L, torch.triu(LU_upper, 1), s

    def weight(self) -> torch.Tensor:
        # W = P L (U + diag(s))
        return self.P @ self.L @ (self.U + torch.diag(self.s))

    def forward(self, x):
        # y = W x (rows of x)
        return x @ self.weight().T

    def inverse(self, y):
        # x = (U + diag s)⁻¹ L⁻¹ Pᵀ y
        v = (y @ self.P).T                                   # Pᵀ y, one column per row of y
        v = torch.linalg.solve_triangular(self.L, v.reshape(self.features, -1), upper=False, unitriangular=True)
        v = torch.linalg.solve_triangular(self.U + torch.diag(self.s), v, upper=True)
        return v.reshape((self.features,) + tuple(y.shape[:-1])).movedim(0, -1)

    def ladj(self, x):
        # log|det W| = Σ_i log|s_i|, the same for every x
        return torch.log(torch.abs(self.s)).sum().expand(x.shape[:-1]).clone()
