"""Elementwise transforms: an affine map (Glow's actnorm, Kingma & Dhariwal 2018, §3.1) and the logistic sigmoid
(the inverse of RealNVP's logit pre-processing, Dinh et al. 2017, §4.1).

    affine:   y = loc + scale ⊙ x,   log|det| = Σ log|scale_i|
    sigmoid:  y = σ(x) = 1/(1 + e^{−x}) ∈ (0, 1)^d,   log|det| = Σ log σ(x_i)(1 − σ(x_i)) = −Σ [softplus(x_i) + softplus(−x_i)]

Seeded parameters follow one documented rule, so that any implementation of the same rule builds the same map:
``loc, log_scale = 0.25 · torch.randn(2, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)``,
``scale = exp(log_scale)``.
"""
from __future__ import annotations

import torch
from torch.distributions import constraints
from torch.nn.functional import softplus

from .base import FlowTransform, check_points, generator, normal


def affine_parameters(features: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    loc, log_scale = normal(generator(seed), 2, features, scale=0.25)
    return loc, torch.exp(log_scale)


class Affine(FlowTransform):
    structure = ("triangular",)     # diagonal Jacobian
    def __init__(self, features: int, seed: int = 0) -> None:
        super().__init__(features, seed)
        self.loc, self.scale = affine_parameters(self.features, self.seed)

    def forward(self, x):
        # y = loc + scale ⊙ x
        return self.loc + self.scale * x

    def inverse(self, y):
        return (y - self.loc) / self.scale

    def ladj(self, x):
        # log|det| = Σ log|scale_i|
        return torch.log(self.scale.abs()).sum().expand(x.shape[:-1]).clone()


class Sigmoid(FlowTransform):
    """σ: R^d → (0, 1)^d; the inverse (logit) takes y in the open unit cube."""

    codomain = constraints.independent(constraints.unit_interval, 1)
    structure = ("triangular",)     # diagonal Jacobian

    def __init__(self, features: int, seed: int = 0) -> None:
        super().__init__(features, seed)

    def _inverse(self, y):
        y = check_points(y, self.features, "y")
        if not bool(((y > 0) & (y < 1)).all()):
            raise ValueError("y must lie in the open unit cube (0, 1)^d, the sigmoid's codomain")
        return self.inverse(y)

    def forward(self, x):
        return torch.sigmoid(x)

    def inverse(self, y):
        # logit(y) = log y − log(1 − y)
        return torch.log(y) - torch.log1p(-y)

    def ladj(self, x):
        # log σ(x)(1 − σ(x)) = −softplus(x) − softplus(−x)
        return -(softplus(x) + softplus(-x)).sum(-1)
