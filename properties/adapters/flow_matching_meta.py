"""Meta's ``flow_matching`` library (``flow_matching.path.CondOTProbPath``) speaking the flow_matching contract.

What the adapter changes, and nothing else:

* **the constructor** ``MetaCondOTPath(sigma_min=0.0)`` builds the library's own ``CondOTProbPath()``: the affine
  path with the scheduler α_t = t, σ_t = 1 − t, i.e. the contract's conditional OT path at σ_min = 0.  The library
  has no σ_min (its ``CondOTScheduler`` takes none), so every other value raises ``NotImplementedError`` — the
  declared support is ``sigma_min = [0.0]``;
* **sample** is the library's ``sample(x_0=, x_1=, t=)`` unchanged; its ``PathSample`` carries ``x_t`` and ``dx_t``;
* **loss**: the library ships no loss function (its examples train on ``torch.pow(v(x_t, t) − dx_t, 2).mean()``,
  the mean over every element, i.e. the contract's loss divided by d).  The adapter computes the contract's
  mean over rows of ‖v(x_t, t) − dx_t‖² from the library's own sample, so the loss invariants judge the library's
  x_t and dx_t, not a loss of its own.
"""
from __future__ import annotations

import torch


class MetaCondOTPath:
    invariants_support = {"sigma_min": [0.0]}

    def __init__(self, sigma_min: float = 0.0):
        if sigma_min != 0.0:
            raise NotImplementedError(f"flow_matching's CondOTProbPath has no sigma_min; only 0.0 is offered, "
                                      f"not {sigma_min!r}")
        from flow_matching.path import CondOTProbPath

        self.path = CondOTProbPath()

    def sample(self, x_0: torch.Tensor, x_1: torch.Tensor, t: torch.Tensor):
        return self.path.sample(x_0=x_0, x_1=x_1, t=t)

    def loss(self, v, x_0: torch.Tensor, x_1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        s = self.sample(x_0, x_1, t)
        return ((v(s.x_t, t) - s.dx_t) ** 2).sum(dim=-1).mean()
