"""(IA)³ mutants: the reference layer with one bug each."""
from __future__ import annotations

import copy

import torch

from reference.peft.ia3 import F64, IA3Linear
from tests.zoo import mutant


@mutant("ia3", bug="l initialised at zero instead of ones: the output-scaled layer starts silenced, the feed-forward "
                   "one without its input", catches=("ia3.noop_at_init",))
class ZeroInit(IA3Linear):
    def __init__(self, d_in, d_out, is_feedforward=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, is_feedforward, fan_in_fan_out, seed)
        with torch.no_grad():
            self.ia3_l.zero_()


@mutant("ia3", bug="l initialised at random (1 + N(0, 0.1²)) instead of ones: the layer is changed before training",
        catches=("ia3.noop_at_init",))
class RandomInit(IA3Linear):
    def __init__(self, d_in, d_out, is_feedforward=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, is_feedforward, fan_in_fan_out, seed)
        with torch.no_grad():
            self.ia3_l.add_(0.1 * torch.randn(self.ia3_l.shape, generator=torch.Generator().manual_seed(seed + 1),
                                              dtype=F64))


@mutant("ia3", bug="the placement inverted: a non-feed-forward layer scales its input (l has d_in entries) and a "
                   "feed-forward layer its output", catches=("ia3.scaled_output", "ia3.trainable_count"))
class PlacementInverted(IA3Linear):
    def __init__(self, d_in, d_out, is_feedforward=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, not is_feedforward, fan_in_fan_out, seed)


@mutant("ia3", bug="the bias left out of the output scaling: l ⊙ (W₀x) + b, and merge scales W₀ only",
        catches=("ia3.scaled_output", "ia3.merge_unmerge"))
class BiasNotScaled(IA3Linear):
    def forward(self, x):
        y = super().forward(x)
        if self.merged or self.is_feedforward:
            return y
        return y + (1 - self.ia3_l.reshape(-1)) * self.base_layer.bias

    def merge(self):
        bias = self.base_layer.bias.detach().clone()
        super().merge()
        with torch.no_grad():
            self.base_layer.bias.copy_(bias)


@mutant("ia3", bug="merge() scales W₀ but not b (peft before its PR #972): the merged output-scaled layer adds b "
                   "where l ⊙ b is due", catches=("ia3.merge_unmerge",))
class MergeForgetsBias(IA3Linear):
    def merge(self):
        if self.merged:
            return
        with torch.no_grad():
            self.base_layer.weight.mul_(self._factor())
        self.merged = True


@mutant("ia3", bug="Conv1D merge on the wrong axis: the stored (d_in, d_out) weight is scaled as if it were "
                   "(d_out, d_in) — l without the transpose", catches=("ia3.merge_unmerge",))
class Conv1DMergeWrongAxis(IA3Linear):
    def _factor(self):
        return self.ia3_l


@mutant("ia3", bug="merge() ignores the merged flag: a second call scales W₀ by l again",
        catches=("ia3.merge_unmerge",))
class MergeNotIdempotent(IA3Linear):
    def merge(self):
        self.merged = False
        super().merge()


@mutant("ia3", bug="unmerge() multiplies by l again instead of dividing", catches=("ia3.merge_unmerge",))
class UnmergeMultiplies(IA3Linear):
    def unmerge(self):
        if not self.merged:
            return
        self.merged = False
        with torch.no_grad():
            self.base_layer.weight.mul_(self._factor())
            if not self.is_feedforward:
                self.base_layer.bias.mul_(self.ia3_l.reshape(-1))


@mutant("ia3", bug="unmerge() divides by l + 1e-8 (peft's guard against division by zero): a small l_i leaves W₀ "
                   "off, a zero one is accepted and leaves zeros", catches=("ia3.merge_unmerge",
                                                                            "ia3.rejects_unmerge_at_zero"))
class UnmergeWithEpsilon(IA3Linear):
    def unmerge(self):
        if not self.merged:
            return
        with torch.no_grad():
            self.base_layer.weight.div_(self._factor() + 1e-8)
            if not self.is_feedforward:
                self.base_layer.bias.div_(self.ia3_l.reshape(-1) + 1e-8)
        self.merged = False


@mutant("ia3", bug="unmerge() divides first and checks for zeros after: it raises, but W₀'s merged rows are already "
                   "0/0 = NaN", catches=("ia3.rejects_unmerge_at_zero",))
class UnmergeChecksTooLate(IA3Linear):
    def unmerge(self):
        if not self.merged:
            return
        with torch.no_grad():
            self.base_layer.weight.div_(self._factor())
            if not self.is_feedforward:
                self.base_layer.bias.div_(self.ia3_l.reshape(-1))
        self.merged = False
        if torch.any(self.ia3_l == 0):
            self.merged = True
            raise ValueError("ia3_l has entries equal to 0")


@mutant("ia3", bug="the base weight left trainable (requires_grad on W₀): full fine-tuning of the layer",
        catches=("ia3.only_vector_trains", "ia3.trainable_count"))
class BaseWeightTrainable(IA3Linear):
    def __init__(self, d_in, d_out, is_feedforward=False, fan_in_fan_out=False, seed=0):
        super().__init__(d_in, d_out, is_feedforward, fan_in_fan_out, seed)
        self.base_layer.weight.requires_grad_(True)


@mutant("ia3", bug="l used detached in forward (l.detach() ⊙ …): the vector never receives a gradient",
        catches=("ia3.only_vector_trains",))
class VectorDetached(IA3Linear):
    def forward(self, x):
        y = super().forward(x)                       # the reference's checks and value …
        if self.merged:
            return y
        x, l = x.to(F64), self.ia3_l.detach().reshape(-1)   # … recomputed with l cut off from the graph
        return self.base_layer(l * x) if self.is_feedforward else l * self.base_layer(x)


@mutant("ia3", bug="the feed-forward scale applied in place to the caller's input (x.mul_(l))",
        catches=("ia3.scaled_output",))
class FeedForwardScalesInputInPlace(IA3Linear):
    def forward(self, x):
        if self.merged or not self.is_feedforward or not isinstance(x, torch.Tensor) or x.dtype != F64:
            return super().forward(x)
        with torch.no_grad():
            x.mul_(self.ia3_l.reshape(-1))
        return self.base_layer(x)


@mutant("ia3", bug="merge_and_unload() returns the base layer without folding l in",
        catches=("ia3.merge_and_unload",))
class UnloadForgetsScaling(IA3Linear):
    def merge_and_unload(self):
        return copy.deepcopy(self.base_layer)


@mutant("ia3", bug="no check of the input width: a width-1 input is broadcast against l on a feed-forward layer "
                   "(peft's behaviour), a wider one fails in the matmul", catches=("ia3.rejects_bad_input",))
class NoWidthCheck(IA3Linear):
    def forward(self, x):
        x = x.to(F64)
        if self.merged:
            return self.base_layer(x)
        l = self.ia3_l.reshape(-1)
        return self.base_layer(l * x) if self.is_feedforward else l * self.base_layer(x)
