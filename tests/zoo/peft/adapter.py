"""Bottleneck-adapter mutants: the reference adapter with one bug each."""
from __future__ import annotations

import torch
from torch import nn

from reference.peft.adapter import ACTIVATIONS, F64, BottleneckAdapter
from tests.zoo import mutant


@mutant("adapter", bug="up-projection initialised at random (nn.Linear's default) instead of zero: the host network "
                       "changes the moment the adapter is inserted",
        catches=("adapter.identity_at_init",))
class RandomUpInit(BottleneckAdapter):
    def __init__(self, d_model, bottleneck, activation="relu", seed=0):
        super().__init__(d_model, bottleneck, activation, seed)
        g = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            self.up.weight.copy_(torch.randn(d_model, bottleneck, generator=g, dtype=F64) * bottleneck ** -0.5)


@mutant("adapter", bug="no skip connection: returns up(f(down(h))) without + h",
        catches=("adapter.identity_at_init", "adapter.residual"))
class NoResidual(BottleneckAdapter):
    def forward(self, h):
        return super().forward(h) - h.to(F64)


@mutant("adapter", bug="nonlinearity applied after the up-projection: h + f(up(down(h)))", catches=("adapter.residual",))
class ActivationAfterUp(BottleneckAdapter):
    def forward(self, h):
        super().forward(h)
        return h.to(F64) + ACTIVATIONS[self.activation](self.up(self.down(h.to(F64))))


@mutant("adapter", bug="down-projection without a bias (2·d·m + d parameters)", catches=("adapter.parameter_count",))
class DownWithoutBias(BottleneckAdapter):
    def __init__(self, d_model, bottleneck, activation="relu", seed=0):
        super().__init__(d_model, bottleneck, activation, seed)
        weight = self.down.weight.detach().clone()
        self.down = nn.Linear(d_model, bottleneck, bias=False, dtype=F64)
        with torch.no_grad():
            self.down.weight.copy_(weight)


@mutant("adapter", bug="a bottleneck of zero units accepted (an adapter that adds only b_up)",
        catches=("adapter.rejects_bad_input",))
class AcceptsEmptyBottleneck(BottleneckAdapter):
    def __init__(self, d_model, bottleneck, activation="relu", seed=0):
        super().__init__(d_model, max(bottleneck, 1), activation, seed)
