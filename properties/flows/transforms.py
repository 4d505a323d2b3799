"""torch ``Transform`` plumbing for the flow topic: torch's own transforms under the contract's constructor, and a
``Transform`` made from a library's pair of maps that return (output, log-det) — nflows' and normflows' modules.

torch's transforms (``AffineTransform``, ``SigmoidTransform``, ``ComposeTransform``) are validated as they ship;
what is added is only the constructor ``Cls(features=d, seed=s)`` with the elementwise parameter rule of the
contract (``loc, log_scale = 0.25·randn(2, d)`` from ``torch.Generator().manual_seed(seed)``, ``scale = e^{log_scale}``;
part k of a composition gets seed 1000·seed + k), so that the same rule in any other implementation builds the same
map and the two can be cross-checked.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

import torch
from torch.distributions import constraints
from torch.distributions.transforms import (AffineTransform, ComposeTransform, IndependentTransform, SigmoidTransform,
                                            Transform)


def elementwise_affine_parameters(features: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    loc, log_scale = 0.25 * torch.randn(2, features, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return loc, torch.exp(log_scale)


def Affine(features: int, seed: int = 0) -> Transform:
    """``torch.distributions.AffineTransform(loc, scale, event_dim=1)``."""
    loc, scale = elementwise_affine_parameters(features, seed)
    return AffineTransform(loc, scale, event_dim=1)


def Sigmoid(features: int, seed: int = 0) -> Transform:
    """``IndependentTransform(SigmoidTransform(), 1)``: the elementwise sigmoid with ``event_dim = 1``."""
    return IndependentTransform(SigmoidTransform(), 1)


def AffineThenSigmoid(features: int, seed: int = 0) -> Transform:
    """``ComposeTransform([Affine(d, 1000·seed), Sigmoid(d, 1000·seed + 1)])``."""
    return ComposeTransform([Affine(features, 1000 * seed), Sigmoid(features, 1000 * seed + 1)])


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """torch's global generator seeded with ``seed`` for a library that initialises from it, and restored after."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class PairTransform(Transform):
    """A bijection of R^d from ``forward(x) -> (y, log|det ∂y/∂x|)`` and ``inverse(y) -> (x, log|det ∂x/∂y|)``.

    Each map and each log-det is the library's own; ``inv`` swaps the pair, so the inverse's log-det is the library's
    inverse log-det (not torch's negation of the forward one)."""

    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = True

    def __init__(self, forward: Callable, inverse: Callable, **attributes) -> None:
        super().__init__(cache_size=0)
        self._forward, self._backward = forward, inverse
        self.__dict__.update(attributes)

    @property
    def inv(self) -> "PairTransform":
        return PairTransform(self._backward, self._forward)

    def _call(self, x):
        return self._forward(x)[0]

    def _inverse(self, y):
        return self._backward(y)[0]

    def log_abs_det_jacobian(self, x, y):
        return self._forward(x)[1]

    def call_and_ladj(self, x):
        return self._forward(x)
