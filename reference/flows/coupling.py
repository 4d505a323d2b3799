"""Coupling layers: affine (RealNVP, Dinh, Sohl-Dickstein & Bengio 2017) and additive (NICE, Dinh, Krueger &
Bengio 2015).

A mask splits x into a kept part x_a (the conditioning set, passed unchanged) and a transformed part x_b:

    y_a = x_a,   y_b = x_b ⊙ exp(s(x_a)) + t(x_a)            (RealNVP, eqs. 4–5)
    log|det ∂y/∂x| = Σ_j s_j(x_a)                            (RealNVP, eq. 6)
    x_b = (y_b − t(y_a)) ⊙ exp(−s(y_a))                      (RealNVP, eq. 8)

and NICE's additive layer is the case s ≡ 0 (volume preserving).  Any mask works, odd dimensions included;
with nothing kept (d = 1) the conditioner is a constant and the layer an elementwise affine map.
"""
from __future__ import annotations

from typing import Sequence

import torch

from .base import Conditioner, FlowTransform, generator

MASKS = ("alternate", "halves", "random")


def coupling_mask(features: int, mask, seed: int) -> torch.Tensor:
    """Boolean mask, True = kept (conditioning) coordinate.

    ``"alternate"``: the odd coordinates are kept; ``"halves"``: the first ⌊d/2⌋; ``"random"``: a seeded
    subset of ⌊d/2⌋; or an explicit sequence of ``features`` booleans."""
    if isinstance(mask, str):
        if mask == "alternate":
            return torch.arange(features) % 2 == 1
        if mask == "halves":
            return torch.arange(features) < features // 2
        if mask == "random":
            chosen = torch.randperm(features, generator=generator(seed + 7919))[: features // 2]
            out = torch.zeros(features, dtype=torch.bool)
            out[chosen] = True
            return out
        raise ValueError(f"mask must be one of {MASKS} or a sequence of booleans, got {mask!r}")
    values = torch.as_tensor(list(mask) if isinstance(mask, Sequence) else mask)
    if values.shape != (features,) or values.dtype != torch.bool:
        raise ValueError(f"mask must be {features} booleans, got {mask!r}")
    return values.clone()


class AffineCoupling(FlowTransform):
    """RealNVP's affine coupling layer; ``flip=True`` swaps the kept and transformed coordinates.  Its Jacobian is
    triangular (kept coordinates first), hence ``structure``."""

    structure = ("triangular",)

    def __init__(self, features: int, seed: int = 0, mask="alternate", flip: bool = False, hidden: int = 8) -> None:
        super().__init__(features, seed)
        m = coupling_mask(self.features, mask, self.seed)
        self.mask = ~m if flip else m
        self.idx_a = torch.nonzero(self.mask).flatten()
        self.idx_b = torch.nonzero(~self.mask).flatten()
        self.net = Conditioner(len(self.idx_a), self.outputs_per_coordinate * len(self.idx_b), generator(self.seed),
                               hidden=hidden)

    outputs_per_coordinate = 2

    def scale_shift(self, x_a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(x_a)
        nb = len(self.idx_b)
        return out[..., :nb], out[..., nb:]

    def merge(self, y_a: torch.Tensor, y_b: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        y = torch.empty_like(like)
        y[..., self.idx_a] = y_a
        y[..., self.idx_b] = y_b
        return y

    def forward(self, x):
        x_a, x_b = x[..., self.idx_a], x[..., self.idx_b]
        s, t = self.scale_shift(x_a)
        # y_b = x_b ⊙ exp(s(x_a)) + t(x_a)
        y_b = x_b * torch.exp(s) + t
        return self.merge(x_a, y_b, x)

    def inverse(self, y):
        y_a, y_b = y[..., self.idx_a], y[..., self.idx_b]
        s, t = self.scale_shift(y_a)
        # x_b = (y_b − t(y_a)) ⊙ exp(−s(y_a))
        x_b = (y_b - t) * torch.exp(-s)
        return self.merge(y_a, x_b, y)

    def ladj(self, x):
        s, _ = self.scale_shift(x[..., self.idx_a])
        # log|det ∂y/∂x| = Σ_j s_j(x_a)
        return s.sum(-1)


class AdditiveCoupling(AffineCoupling):
    """NICE's additive coupling layer: y_b = x_b + m(x_a), log|det| = 0."""

    outputs_per_coordinate = 1

    def scale_shift(self, x_a):
        m = self.net(x_a)
        return torch.zeros_like(m), m
