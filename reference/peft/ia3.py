"""(IA)³ on one linear layer (Liu et al., Few-Shot Parameter-Efficient Fine-Tuning is Better and Cheaper than
In-Context Learning, NeurIPS 2022, §3.3): a learned vector rescales an activation elementwise.

    output scaling (keys, values):   h = l ⊙ (W₀ x + b),      l ∈ R^{d_out}
    feed-forward (input scaling):    h = W₀ (l ⊙ x) + b,      l ∈ R^{d_in}   (l_ff ⊙ γ(W₁x) before W₂)

W₀ and b are frozen; l starts at ones, so the adapted layer equals the base layer at initialisation.  Merging
folds l into the weight — the rows of W₀ (d_out, d_in) for output scaling, its columns for input scaling — and,
for output scaling, into the bias (the bias is part of the scaled output, as in peft); unmerging divides it back
out.  Where some l_i = 0 the merged row (column) is zero and W₀'s is lost: ``unmerge()`` then raises a
``ValueError`` naming ``ia3_l`` and leaves the layer merged.  ``fan_in_fan_out=True`` stores W₀ as
(d_in, d_out), as GPT-2's Conv1D does: the rows of the stored weight are then W₀'s columns.

Mirrors peft's ``IA3Layer`` with one adapter: ``base_layer``, ``ia3_l`` of shape (d_out, 1) for output scaling or
(1, d_in) for input scaling, ``merge()``, ``unmerge()``, ``merge_and_unload()``.
"""
from __future__ import annotations

import copy
import math

import torch
from torch import nn

from reference.peft.lora import FrozenLinear

F64 = torch.float64


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


class IA3Linear(nn.Module):
    """``IA3Linear(d_in, d_out, is_feedforward=False, fan_in_fan_out=False, seed=0)``."""

    #: declared to the checks: computed in float64 throughout
    invariants_support = {"precision": "float64"}

    def __init__(self, d_in: int, d_out: int, is_feedforward: bool = False, fan_in_fan_out: bool = False,
                 seed: int = 0) -> None:
        super().__init__()
        self.d_in, self.d_out = _positive_int(d_in, "d_in"), _positive_int(d_out, "d_out")
        for name, flag in (("is_feedforward", is_feedforward), ("fan_in_fan_out", fan_in_fan_out)):
            if not isinstance(flag, bool):
                raise ValueError(f"{name} must be a bool, got {flag!r}")
        self.is_feedforward = is_feedforward
        g = torch.Generator().manual_seed(seed)
        bound = 1.0 / math.sqrt(d_in)
        W0 = (2 * torch.rand(d_out, d_in, generator=g, dtype=F64) - 1) * bound
        b = (2 * torch.rand(d_out, generator=g, dtype=F64) - 1) * bound
        self.base_layer = FrozenLinear(W0.T.contiguous() if fan_in_fan_out else W0, b, fan_in_fan_out)
        self.fan_in_fan_out = fan_in_fan_out
        # l = 1 at initialisation (§3.3): the adapted layer starts as the base layer
        shape = (1, d_in) if is_feedforward else (d_out, 1)
        self.ia3_l = nn.Parameter(torch.ones(shape, dtype=F64))
        self.merged = False

    @property
    def module(self) -> nn.Module:
        return self

    def _factor(self) -> torch.Tensor:
        """l shaped to broadcast over the *stored* weight: W₀ (d_out, d_in) takes l as stored ((d_out, 1) scales
        rows, (1, d_in) columns); the Conv1D layout (d_in, d_out) takes lᵀ."""
        return self.ia3_l.T if self.fan_in_fan_out else self.ia3_l

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.ndim < 1 or x.shape[-1] != self.d_in:
            raise ValueError(f"x must be a tensor (..., d_in = {self.d_in}), got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
        x = x.to(F64)
        if self.merged:
            return self.base_layer(x)
        l = self.ia3_l.reshape(-1)
        if self.is_feedforward:
            # h = W₀ (l ⊙ x) + b
            return self.base_layer(l * x)
        # h = l ⊙ (W₀ x + b)
        return l * self.base_layer(x)

    def merge(self) -> None:
        """W₀ ← diag(l) W₀, b ← l ⊙ b (output scaling) or W₀ ← W₀ diag(l) (input scaling); a second call changes
        nothing."""
        if self.merged:
            return
        with torch.no_grad():
            self.base_layer.weight.mul_(self._factor())
            if not self.is_feedforward:
                self.base_layer.bias.mul_(self.ia3_l.reshape(-1))
        self.merged = True

    def unmerge(self) -> None:
        """W₀ ← diag(l)⁻¹ W₀ (or W₀ diag(l)⁻¹), b ← b ⊘ l: only after a merge, and only where no l_i = 0."""
        if not self.merged:
            return
        zeros = int((self.ia3_l == 0).sum())
        if zeros:
            raise ValueError(f"ia3_l has {zeros} entries equal to 0: merge() multiplied those "
                             f"{'columns' if self.is_feedforward else 'rows'} of W₀ by 0, so unmerge() cannot "
                             f"recover them (the layer stays merged)")
        with torch.no_grad():
            self.base_layer.weight.div_(self._factor())
            if not self.is_feedforward:
                self.base_layer.bias.div_(self.ia3_l.reshape(-1))
        self.merged = False

    def merge_and_unload(self) -> nn.Module:
        """A plain frozen linear layer with l folded in; this layer is left as it is."""
        plain = copy.deepcopy(self.base_layer)
        if not self.merged:
            with torch.no_grad():
                plain.weight.mul_(self._factor())
                if not self.is_feedforward:
                    plain.bias.mul_(self.ia3_l.reshape(-1))
        return plain
