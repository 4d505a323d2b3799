"""The bottleneck adapter (Houlsby et al., Parameter-Efficient Transfer Learning for NLP, ICML 2019, §2.1, Fig. 2).

    adapter(h) = h + W_up f(W_down h + b_down) + b_up,   W_down ∈ R^{m×d}, W_up ∈ R^{d×m}, m ≪ d

A down-projection to the bottleneck m, a nonlinearity f, an up-projection back to d, and a skip connection.  The
up-projection starts at zero (weight and bias), so the adapter is the identity at initialisation and the host
network is unchanged until training moves it (Houlsby et al. initialise near zero "so that the original network is
unaffected"; zero makes that exact).  The down-projection starts Gaussian with standard deviation 1e-2, the paper's
near-identity scale.  2·m·d + d + m parameters, all trainable.
"""
from __future__ import annotations

import torch
from torch import nn

F64 = torch.float64
ACTIVATIONS = {
    "relu": torch.relu,
    "gelu": lambda z: nn.functional.gelu(z),            # exact GELU, z·Φ(z)
    "swish": nn.functional.silu,                         # z·σ(z)
}
INIT_STD = 1e-2


class BottleneckAdapter(nn.Module):
    """``BottleneckAdapter(d_model, bottleneck, activation="relu", seed=0)``; ``down``, ``up`` are ``nn.Linear``."""

    #: declared to the checks: computed in float64 throughout
    invariants_support = {"precision": "float64"}

    def __init__(self, d_model: int, bottleneck: int, activation: str = "relu", seed: int = 0) -> None:
        super().__init__()
        for name, value in (("d_model", d_model), ("bottleneck", bottleneck)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.d_model, self.bottleneck, self.activation = d_model, bottleneck, activation
        g = torch.Generator().manual_seed(seed)
        self.down = nn.Linear(d_model, bottleneck, dtype=F64)
        self.up = nn.Linear(bottleneck, d_model, dtype=F64)
        with torch.no_grad():
            self.down.weight.copy_(INIT_STD * torch.randn(bottleneck, d_model, generator=g, dtype=F64))
            self.down.bias.zero_()
            self.up.weight.zero_()
            self.up.bias.zero_()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if not isinstance(h, torch.Tensor) or h.ndim < 1 or h.shape[-1] != self.d_model:
            raise ValueError(f"h must be a tensor (..., d_model = {self.d_model}), got "
                             f"{tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__}")
        h = h.to(F64)
        # adapter(h) = h + W_up f(W_down h + b_down) + b_up
        return h + self.up(ACTIVATIONS[self.activation](self.down(h)))
