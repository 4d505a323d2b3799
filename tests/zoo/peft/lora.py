"""LoRA mutants: the reference layer with one bug each."""
from __future__ import annotations

import copy

import torch

from reference.peft.lora import F64, LoRALinear
from tests.zoo import mutant


@mutant("lora", bug="scaling r/α instead of α/r", catches=("lora.delta_is_scaled_low_rank", "lora.merge_unmerge"))
class ScaleROverAlpha(LoRALinear):
    def __init__(self, d_in, d_out, r=8, lora_alpha=8.0, use_rslora=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, r, lora_alpha, use_rslora, fan_in_fan_out, seed)
        self.scaling = r / lora_alpha


@mutant("lora", bug="use_rslora ignored: α/r where α/√r is asked for", catches=("lora.delta_is_scaled_low_rank",))
class RsLoRAIgnored(LoRALinear):
    def __init__(self, d_in, d_out, r=8, lora_alpha=8.0, use_rslora=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, r, lora_alpha, False, fan_in_fan_out, seed)


@mutant("lora", bug="B initialised at random (like A) instead of zero: the layer is changed before training",
        catches=("lora.noop_at_init",))
class RandomBInit(LoRALinear):
    def __init__(self, d_in, d_out, r=8, lora_alpha=8.0, use_rslora=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, r, lora_alpha, use_rslora, fan_in_fan_out, seed)
        with torch.no_grad():
            self.lora_B.copy_(torch.randn(d_out, r, generator=torch.Generator().manual_seed(seed + 1), dtype=F64))


@mutant("lora", bug="Conv1D merge without the transpose: W₀ (stored (d_in, d_out)) += s·B A instead of s·(B A)ᵀ",
        catches=("lora.merge_unmerge",))
class Conv1DMergeWithoutTranspose(LoRALinear):
    def _stored(self, delta):
        return delta


@mutant("lora", bug="the update applied twice after a merge: the merged layer still adds s·B A x in forward",
        catches=("lora.merge_unmerge",))
class MergeAppliedTwice(LoRALinear):
    def forward(self, x):
        merged, self.merged = self.merged, False
        try:
            return super().forward(x)
        finally:
            self.merged = merged


@mutant("lora", bug="merge() ignores the merged flag: a second call adds s·B A again", catches=("lora.merge_unmerge",))
class MergeNotIdempotent(LoRALinear):
    def merge(self):
        self.merged = False
        super().merge()


@mutant("lora", bug="the base layer's bias left trainable (peft's bias='all' where 'none' is meant)",
        catches=("lora.only_factors_train", "lora.trainable_count"))
class BiasLeftTrainable(LoRALinear):
    def __init__(self, d_in, d_out, r=8, lora_alpha=8.0, use_rslora=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, r, lora_alpha, use_rslora, fan_in_fan_out, seed)
        self.base_layer.bias.requires_grad_(True)


@mutant("lora", bug="A used detached in forward (x @ A.detach()ᵀ): A never receives a gradient",
        catches=("lora.only_factors_train",))
class GradientStopsAtA(LoRALinear):
    def forward(self, x):
        y = super().forward(x)                       # the reference's checks and value …
        if self.merged:
            return y
        x = x.to(F64)                                # … recomputed with A cut off from the graph
        return self.base_layer(x) + self.scaling * ((x @ self.lora_A.detach().T) @ self.lora_B.T)


@mutant("lora", bug="merge_and_unload() returns the base layer without folding in s·B A",
        catches=("lora.merge_and_unload",))
class UnloadForgetsMerge(LoRALinear):
    def merge_and_unload(self):
        return copy.deepcopy(self.base_layer)


@mutant("lora", bug="merge_and_unload() merges in place and hands back the layer's own base module (peft's in-place "
                    "unload used without a copy): the adapted layer is consumed",
        catches=("lora.merge_and_unload",))
class UnloadConsumesLayer(LoRALinear):
    def merge_and_unload(self):
        self.merge()
        return self.base_layer


@mutant("lora", bug="no check of r > min(d_in, d_out): a rank the product B A can never reach is accepted",
        catches=("lora.rejects_bad_input",))
class AcceptsUnreachableRank(LoRALinear):
    @staticmethod
    def check_rank(r, d_in, d_out):
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"r must be a positive integer, got {r!r}")
        return r
