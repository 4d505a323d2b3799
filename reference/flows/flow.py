"""Composition of transforms and the flow distribution (Papamakarios et al. 2021, "Normalizing flows for
probabilistic modeling and inference", §2.1–2.2).

    T = T_K ∘ … ∘ T_1,   log|det J_T(x)| = Σ_k log|det J_{T_k}(x_{k−1})|,  x_k = T_k(x_{k−1})      (eq. 7)
    p(x) = p_u(T(x)) |det J_T(x)|,   p_u = N(0, I)                                                (eq. 3)
    sampling: u ~ N(0, I), x = T⁻¹(u)

``Compose(features, seed, parts=(...))`` builds its parts by name, part k with seed 1000·seed + k;
``Flow(features, seed)`` is the distribution with ``transform`` (data → base), ``base``, ``log_prob`` and
``sample``, the contract of zuko's ``NormalizingFlow``.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch.distributions import Distribution, constraints

from .autoregressive import MAF
from .base import DTYPE, FlowTransform, check_features, check_points, check_seed
from .coupling import AdditiveCoupling, AffineCoupling
from .elementwise import Affine, Sigmoid
from .linear import LULinear
from .planar import Planar, Radial

PARTS = {
    "affine_coupling": lambda d, s: AffineCoupling(d, s),
    "affine_coupling_flipped": lambda d, s: AffineCoupling(d, s, flip=True),
    "additive_coupling": lambda d, s: AdditiveCoupling(d, s),
    "lu": lambda d, s: LULinear(d, s),
    "maf": lambda d, s: MAF(d, s),
    "maf_reversed": lambda d, s: MAF(d, s, order="reversed"),
    "planar": lambda d, s: Planar(d, s),
    "radial": lambda d, s: Radial(d, s),
    "affine": lambda d, s: Affine(d, s),
    "sigmoid": lambda d, s: Sigmoid(d, s),
}
FLOW_PARTS = ("affine_coupling", "lu", "maf", "affine_coupling_flipped")


class Compose(FlowTransform):
    """T = T_K ∘ … ∘ T_1 for ``parts`` = (T_1, …, T_K), by name (see ``PARTS``)."""

    def __init__(self, features: int, seed: int = 0, parts: Sequence[str] = FLOW_PARTS) -> None:
        super().__init__(features, seed)
        if isinstance(parts, str) or not parts or any(p not in PARTS for p in parts):
            raise ValueError(f"parts must be a non-empty sequence of names from {sorted(PARTS)}, got {parts!r}")
        self.names = tuple(parts)
        self.parts = [PARTS[p](self.features, 1000 * self.seed + k) for k, p in enumerate(parts)]
        self.codomain = self.parts[-1].codomain

    def forward(self, x):
        for part in self.parts:
            x = part.forward(x)
        return x

    def inverse(self, y):
        for part in reversed(self.parts):
            y = part._inverse(y)
        return y

    def ladj(self, x):
        total = torch.zeros(x.shape[:-1], dtype=DTYPE)
        for part in self.parts:
            # log|det J_T| = Σ_k log|det J_{T_k}(x_{k−1})|
            total = total + part.ladj(x)
            x = part.forward(x)
        return total


def standard_normal_log_prob(u: torch.Tensor) -> torch.Tensor:
    # log N(u; 0, I) = −½‖u‖² − (d/2) log 2π
    return -0.5 * (u * u).sum(-1) - 0.5 * u.shape[-1] * math.log(2 * math.pi)


class Flow(Distribution):
    """The flow distribution p(x) = N(T(x); 0, I) |det J_T(x)| with T = Compose(features, seed, parts)."""

    arg_constraints: dict = {}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, features: int, seed: int = 0, parts: Sequence[str] = FLOW_PARTS) -> None:
        self.features, self.seed = check_features(features), check_seed(seed)
        self.transform = Compose(self.features, self.seed, parts)
        self.base = torch.distributions.Independent(
            torch.distributions.Normal(torch.zeros(self.features, dtype=DTYPE), torch.ones(self.features, dtype=DTYPE)), 1)
        super().__init__(event_shape=torch.Size([self.features]), validate_args=False)

    def log_prob(self, x):
        x = check_points(x, self.features, "x")
        u = self.transform.forward(x)
        # log p(x) = log p_u(T(x)) + log|det J_T(x)|
        return standard_normal_log_prob(u) + self.transform.ladj(x)

    def rsample(self, sample_shape=torch.Size(), generator: torch.Generator | None = None):
        """u ~ N(0, I) from ``generator`` (torch's default generator when None, as torch's samplers do), x = T⁻¹(u)."""
        shape = torch.Size(sample_shape) + self.event_shape
        u = torch.randn(shape, generator=generator, dtype=DTYPE)
        return self.transform.inverse(u)

    def sample(self, sample_shape=torch.Size(), generator: torch.Generator | None = None):
        with torch.no_grad():
            return self.rsample(sample_shape, generator)
