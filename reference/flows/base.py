"""What every reference flow transform shares: input checks, seeded parameters, a tanh conditioner network.

Every transform speaks ``torch.distributions.Transform`` with ``event_dim = 1`` (it acts on the last dimension
and ``log_abs_det_jacobian`` sums over it), works in float64 whatever the input dtype, never mutates its input,
and raises ``ValueError`` naming the argument (``x`` for the forward map, ``y`` for the inverse) for a wrong
event shape or a non-finite value.  Parameters are drawn from ``torch.Generator().manual_seed(seed)``, never from
the global random number generator, so ``Cls(features=d, seed=s)`` is one fixed transform.
"""
from __future__ import annotations

import math
import numbers

import torch
from torch.distributions import Transform, constraints

DTYPE = torch.float64


def check_features(features) -> int:
    if isinstance(features, bool) or not isinstance(features, numbers.Integral) or features < 1:
        raise ValueError(f"features must be a positive int, got {features!r}")
    return int(features)


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def check_points(x, features: int, name: str) -> torch.Tensor:
    """``x`` as a float64 tensor of shape (..., features) with finite entries (a copy only if the dtype changes)."""
    if not torch.is_tensor(x):
        try:
            x = torch.as_tensor(x)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ValueError(f"{name} must be a real tensor of shape (..., {features}): {exc}") from None
    if x.is_complex() or not (x.is_floating_point() or x.dtype in (torch.int32, torch.int64)):
        raise ValueError(f"{name} must be a real tensor, got dtype {x.dtype}")
    if x.dim() < 1 or x.shape[-1] != features:
        raise ValueError(f"{name} must have event shape ({features},), got shape {tuple(x.shape)}")
    x = x.to(DTYPE)
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} has {int((~torch.isfinite(x)).sum())} non-finite entries (NaN or inf)")
    return x


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def normal(g: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=g, dtype=DTYPE)


class Conditioner:
    """A one-hidden-layer tanh network m(a) = W₂ tanh(W₁ a + b₁) + b₂ with seeded weights.

    Its outputs are bounded (|m| ≤ ‖W₂‖₁ + |b₂|), so log-scales computed from it are bounded and every flow
    built from it has Gaussian tails.  With no inputs (an empty conditioning set) it is the constant W₂ tanh(b₁) + b₂.
    """

    def __init__(self, inputs: int, outputs: int, g: torch.Generator, hidden: int = 8, scale: float = 0.5,
                 in_mask: torch.Tensor | None = None, out_mask: torch.Tensor | None = None) -> None:
        self.W1 = normal(g, hidden, inputs, scale=1.0 / math.sqrt(max(inputs, 1)))
        self.b1 = normal(g, hidden, scale=0.5)
        self.W2 = normal(g, outputs, hidden, scale=scale / math.sqrt(hidden))
        self.b2 = normal(g, outputs, scale=scale / 2)
        if in_mask is not None:      # MADE: the masks zero the connections that break the autoregressive order
            self.W1 = self.W1 * in_mask
        if out_mask is not None:
            self.W2 = self.W2 * out_mask

    def __call__(self, a: torch.Tensor) -> torch.Tensor:
        return torch.tanh(a @ self.W1.T + self.b1) @ self.W2.T + self.b2


class FlowTransform(Transform):
    """A bijection of R^d with ``event_dim = 1``; subclasses implement ``forward``, ``inverse`` and ``ladj``
    on float64 tensors that have already been checked."""

    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = True

    def __init__(self, features: int, seed: int = 0) -> None:
        super().__init__(cache_size=0)
        self.features = check_features(features)
        self.seed = check_seed(seed)

    def _call(self, x):
        return self.forward(check_points(x, self.features, "x"))

    def _inverse(self, y):
        return self.inverse(check_points(y, self.features, "y"))

    def log_abs_det_jacobian(self, x, y):
        x = check_points(x, self.features, "x")
        check_points(y, self.features, "y")
        return self.ladj(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def ladj(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def call_and_ladj(self, x):
        """zuko's API: (t(x), log|det ∂t/∂x|)."""
        x = check_points(x, self.features, "x")
        return self.forward(x), self.ladj(x)
