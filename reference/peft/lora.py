"""LoRA on one linear layer (Hu et al., LoRA: Low-Rank Adaptation of Large Language Models, ICLR 2022).

    h = W₀ x + b + s · B A x,   A ∈ R^{r×d_in}, B ∈ R^{d_out×r},   s = α / r   (rsLoRA: s = α / √r)

W₀ and b are frozen; A starts uniform, B starts at zero, so the adapted layer equals the base layer at
initialisation (§4.1).  Merging writes W₀ + s·B A into the base weight (no inference latency, §4.1); unmerging
subtracts it again.  ``fan_in_fan_out=True`` stores the base weight as (d_in, d_out), as GPT-2's Conv1D does; the
update is then transposed, W₀ᵀ + s·(B A)ᵀ.

Mirrors peft's ``LoraLayer`` with one adapter: ``base_layer``, ``lora_A``, ``lora_B``, ``scaling``, ``merge()``,
``unmerge()``, ``merge_and_unload()``.
"""
from __future__ import annotations

import copy
import math

import torch
from torch import nn

F64 = torch.float64


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


class FrozenLinear(nn.Module):
    """y = x W₀ᵀ + b with W₀ stored (d_out, d_in), or (d_in, d_out) when ``fan_in_fan_out`` (Conv1D)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, fan_in_fan_out: bool) -> None:
        super().__init__()
        self.fan_in_fan_out = fan_in_fan_out
        self.weight = nn.Parameter(weight, requires_grad=False)
        self.bias = nn.Parameter(bias, requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        W = self.weight.T if self.fan_in_fan_out else self.weight          # (d_out, d_in)
        return x @ W.T + self.bias


class LoRALinear(nn.Module):
    """``LoRALinear(d_in, d_out, r=8, lora_alpha=8.0, use_rslora=False, fan_in_fan_out=False, seed=0)``."""

    #: declared to the checks: computed in float64 throughout
    invariants_support = {"precision": "float64"}

    def __init__(self, d_in: int, d_out: int, r: int = 8, lora_alpha: float = 8.0, use_rslora: bool = False,
                 fan_in_fan_out: bool = False, seed: int = 0) -> None:
        super().__init__()
        self.d_in, self.d_out = _positive_int(d_in, "d_in"), _positive_int(d_out, "d_out")
        self.r = self.check_rank(r, d_in, d_out)
        g = torch.Generator().manual_seed(seed)
        bound = 1.0 / math.sqrt(d_in)
        W0 = (2 * torch.rand(d_out, d_in, generator=g, dtype=F64) - 1) * bound
        b = (2 * torch.rand(d_out, generator=g, dtype=F64) - 1) * bound
        self._attach(FrozenLinear(W0.T.contiguous() if fan_in_fan_out else W0, b, fan_in_fan_out), lora_alpha,
                     use_rslora, g)

    @classmethod
    def around(cls, base_layer: FrozenLinear, r: int = 8, lora_alpha: float = 8.0, use_rslora: bool = False,
               seed: int = 0) -> "LoRALinear":
        """LoRA on an existing frozen layer (its weights are shared, not copied), e.g. a projection of the host."""
        lora = cls.__new__(cls)
        nn.Module.__init__(lora)
        W = base_layer.weight
        lora.d_out, lora.d_in = (W.shape[1], W.shape[0]) if base_layer.fan_in_fan_out else tuple(W.shape)
        lora.r = lora.check_rank(r, lora.d_in, lora.d_out)
        lora._attach(base_layer, lora_alpha, use_rslora, torch.Generator().manual_seed(seed))
        return lora

    def _attach(self, base_layer: FrozenLinear, lora_alpha: float, use_rslora: bool, g: torch.Generator) -> None:
        if isinstance(lora_alpha, bool) or not isinstance(lora_alpha, (int, float)) or not math.isfinite(lora_alpha) \
                or lora_alpha <= 0:
            raise ValueError(f"lora_alpha must be a finite positive number, got {lora_alpha!r}")
        self.base_layer, self.fan_in_fan_out = base_layer, base_layer.fan_in_fan_out
        bound = 1.0 / math.sqrt(self.d_in)
        # A ~ U(−1/√d_in, 1/√d_in) (Kaiming-uniform with a = √5, as nn.Linear and peft), B = 0  (§4.1)
        self.lora_A = nn.Parameter((2 * torch.rand(self.r, self.d_in, generator=g, dtype=F64) - 1) * bound)
        self.lora_B = nn.Parameter(torch.zeros(self.d_out, self.r, dtype=F64))
        # s = α / r, or α / √r for rank-stabilised LoRA (Kalajdzievski 2023)
        self.scaling = lora_alpha / math.sqrt(self.r) if use_rslora else lora_alpha / self.r
        self.merged = False

    @staticmethod
    def check_rank(r, d_in: int, d_out: int) -> int:
        """1 ≤ r ≤ min(d_in, d_out): rank(B A) cannot exceed min(d_in, d_out)."""
        _positive_int(r, "r")
        if r > min(d_in, d_out):
            raise ValueError(f"r = {r} exceeds min(d_in, d_out) = {min(d_in, d_out)}: rank(B A) ≤ min(d_in, d_out)")
        return r

    @property
    def module(self) -> nn.Module:
        return self

    def delta_weight(self) -> torch.Tensor:
        """ΔW = s · B A, (d_out, d_in)."""
        return self.scaling * (self.lora_B @ self.lora_A)

    def _stored(self, delta: torch.Tensor) -> torch.Tensor:
        return delta.T if self.fan_in_fan_out else delta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.ndim < 1 or x.shape[-1] != self.d_in:
            raise ValueError(f"x must be a tensor (..., d_in = {self.d_in}), got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
        x = x.to(F64)
        y = self.base_layer(x)
        if not self.merged:
            # h = W₀ x + b + s · B (A x)
            y = y + self.scaling * ((x @ self.lora_A.T) @ self.lora_B.T)
        return y

    def merge(self) -> None:
        """W₀ ← W₀ + s·B A (a second call changes nothing)."""
        if self.merged:
            return
        with torch.no_grad():
            self.base_layer.weight += self._stored(self.delta_weight())
        self.merged = True

    def unmerge(self) -> None:
        """W₀ ← W₀ − s·B A (only after a merge)."""
        if not self.merged:
            return
        with torch.no_grad():
            self.base_layer.weight -= self._stored(self.delta_weight())
        self.merged = False

    def merge_and_unload(self) -> nn.Module:
        """A plain frozen linear layer with the merged weight; this layer is left as it is."""
        plain = copy.deepcopy(self.base_layer)
        if not self.merged:
            with torch.no_grad():
                plain.weight += self._stored(self.delta_weight())
        return plain
