"""Flow matching with the conditional optimal-transport path (Lipman, Chen, Ben-Hamu, Nickel & Le, ICLR 2023, §4.1).

With x₀ ~ N(0, I) (noise) and x₁ a data point, the conditional OT path and its velocity are

    ψ_t(x₀ | x₁) = (1 − (1 − σ_min) t) x₀ + t x₁                              (eq. 22)
    u_t = d/dt ψ_t(x₀ | x₁) = x₁ − (1 − σ_min) x₀                              (eq. 23)

and the conditional flow-matching loss of a vector field v(x, t) is

    L_CFM(v) = E_{t, x₀, x₁} ‖v(ψ_t(x₀ | x₁), t) − u_t‖²                        (eq. 23)

estimated here by the batch mean of the squared Euclidean norms.  The API follows Meta's ``flow_matching`` library
(``CondOTProbPath().sample(x_0=, x_1=, t=)`` returns a sample with ``x_t`` and ``dx_t``), generalised to σ_min ≥ 0.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch

DTYPE = torch.float64


@dataclass
class PathSample:
    x_0: torch.Tensor
    x_1: torch.Tensor
    t: torch.Tensor
    x_t: torch.Tensor
    dx_t: torch.Tensor


def _points(x, name: str, like: torch.Tensor | None = None) -> torch.Tensor:
    x = torch.as_tensor(x).to(DTYPE)
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (n, d), got {tuple(x.shape)}")
    if like is not None and x.shape != like.shape:
        raise ValueError(f"{name} must have the shape of x_0 {tuple(like.shape)}, got {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    return x


def _times(t, n: int) -> torch.Tensor:
    t = torch.as_tensor(t).to(DTYPE)
    if t.shape != (n,):
        raise ValueError(f"t must have shape ({n},), one time per row, got {tuple(t.shape)}")
    if not bool(((t >= 0) & (t <= 1)).all()):       # also rejects NaN
        raise ValueError(f"t must lie in [0, 1], got values in [{float(t.min())}, {float(t.max())}]")
    return t


class CondOTPath:
    def __init__(self, sigma_min: float = 0.0) -> None:
        if isinstance(sigma_min, bool) or not isinstance(sigma_min, numbers.Real) or not (0 <= sigma_min < 1) \
                or math.isnan(sigma_min):
            raise ValueError(f"sigma_min must lie in [0, 1), got {sigma_min!r}")
        self.sigma_min = float(sigma_min)

    def sample(self, x_0, x_1, t) -> PathSample:
        x_0 = _points(x_0, "x_0")
        x_1 = _points(x_1, "x_1", like=x_0)
        t = _times(t, x_0.shape[0])
        s = self.sigma_min
        # ψ_t(x₀ | x₁) = (1 − (1 − σ_min) t) x₀ + t x₁
        x_t = (1 - (1 - s) * t)[:, None] * x_0 + t[:, None] * x_1
        # u_t = x₁ − (1 − σ_min) x₀
        dx_t = x_1 - (1 - s) * x_0
        return PathSample(x_0=x_0, x_1=x_1, t=t, x_t=x_t, dx_t=dx_t)

    def loss(self, v, x_0, x_1, t) -> torch.Tensor:
        """L_CFM: the batch mean of ‖v(x_t, t) − u_t‖² (a 0-dim tensor)."""
        if not callable(v):
            raise ValueError(f"v must be a callable v(x, t) -> (n, d), got {type(v).__name__}")
        path = self.sample(x_0, x_1, t)
        out = v(path.x_t, path.t)
        if not torch.is_tensor(out) or out.shape != path.x_t.shape:
            raise ValueError(f"v(x, t) must return shape {tuple(path.x_t.shape)}, got {getattr(out, 'shape', out)}")
        # L_CFM = mean_i ‖v(x_t,i, t_i) − u_t,i‖²
        return ((out - path.dx_t) ** 2).sum(-1).mean()
