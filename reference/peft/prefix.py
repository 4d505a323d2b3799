"""Prefix tuning (Li & Liang, Prefix-Tuning: Optimizing Continuous Prompts for Generation, ACL 2021, §4).

Every attention layer l gets P trainable key and value vectors that precede the sequence's own:

    head_i = softmax(q_i [K_l^pre; K_l]ᵀ / √D) [V_l^pre; V_l]

The language model is frozen.  The prefix is a (P, 2·L·d) matrix whose row p, viewed as (2L, H, D), holds layer l's
key at index 2l and its value at 2l + 1 (peft's layout).  With the reparameterisation (§4.3) the matrix is
MLP(E) = Linear₂(tanh(Linear₁(E))) of a smaller (P, d) embedding E.  The real tokens follow the prefix: they sit at
positions P, …, P + T − 1 and every one of them sees every prefix position (the causal mask's offset is P).
"""
from __future__ import annotations

import torch
from torch import nn

from reference.peft.transformer import F64, KV, TinyCausalLM, greedy


class PrefixTuning(nn.Module):
    """``PrefixTuning(config, state, n_virtual, prefix_projection=False, encoder_hidden_size=None, token_dim=None,
    seed=0)``: ``embedding``, ``transform`` (with the projection), ``logits``, ``generate``, ``module``."""

    #: declared to the checks: computed in float64 throughout
    invariants_support = {"precision": "float64"}

    def __init__(self, config, state, n_virtual: int, prefix_projection: bool = False,
                 encoder_hidden_size: int | None = None, token_dim: int | None = None, seed: int = 0) -> None:
        super().__init__()
        self.host = TinyCausalLM(config, state)
        L, d = self.host.config["n_layer"], self.host.config["n_embd"]
        if isinstance(n_virtual, bool) or not isinstance(n_virtual, int) or n_virtual < 0:
            raise ValueError(f"n_virtual must be a non-negative integer, got {n_virtual!r}")
        if token_dim is not None and token_dim != d:
            raise ValueError(f"token_dim = {token_dim!r} must equal the host's hidden size n_embd = {d}")
        h = d if encoder_hidden_size is None else encoder_hidden_size
        if isinstance(h, bool) or not isinstance(h, int) or h < 1:
            raise ValueError(f"encoder_hidden_size must be a positive integer, got {encoder_hidden_size!r}")
        self.n_virtual, self.prefix_projection = n_virtual, bool(prefix_projection)
        g = torch.Generator().manual_seed(seed)
        if self.prefix_projection:
            self.embedding = nn.Parameter(torch.randn(n_virtual, d, generator=g, dtype=F64))
            self.transform = nn.Sequential(nn.Linear(d, h, dtype=F64), nn.Tanh(), nn.Linear(h, 2 * L * d, dtype=F64))
            with torch.no_grad():
                for layer in (self.transform[0], self.transform[2]):
                    bound = layer.in_features ** -0.5
                    layer.weight.copy_((2 * torch.rand(layer.weight.shape, generator=g, dtype=F64) - 1) * bound)
                    layer.bias.copy_((2 * torch.rand(layer.bias.shape, generator=g, dtype=F64) - 1) * bound)
        else:
            self.embedding = nn.Parameter(torch.randn(n_virtual, 2 * L * d, generator=g, dtype=F64))
            self.transform = None

    @property
    def module(self) -> nn.Module:
        return self

    def rows(self) -> torch.Tensor:
        """The (P, 2·L·d) prefix matrix: E, or MLP(E) = Linear₂(tanh(Linear₁(E)))."""
        return self.transform(self.embedding) if self.prefix_projection else self.embedding

    def past(self, batch: int) -> list[KV]:
        """Per layer (K_l, V_l), each (B, H, P, D): row p viewed as (2L, H, D), index 2l keys, 2l + 1 values."""
        cfg = self.host.config
        L, H, D = cfg["n_layer"], cfg["n_head"], self.host.head_dim
        blocks = self.rows().reshape(self.n_virtual, 2 * L, H, D).permute(1, 2, 0, 3)      # (2L, H, P, D)
        return [(blocks[2 * layer].expand(batch, H, self.n_virtual, D),
                 blocks[2 * layer + 1].expand(batch, H, self.n_virtual, D)) for layer in range(L)]

    def logits(self, input_ids: torch.Tensor) -> torch.Tensor:
        """(B, T, V): the frozen host with the prefix in every layer, the real tokens at positions P … P + T − 1."""
        self.host.check_ids(input_ids, offset=self.n_virtual)
        return self.host(input_ids=input_ids, past=self.past(input_ids.shape[0]))[0]

    def generate(self, input_ids: torch.Tensor, max_new_tokens: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Greedy decoding with the prefix as the initial KV cache: (sequences (B, T + n), scores n × (B, V))."""
        self.host.check_ids(input_ids, offset=self.n_virtual + max_new_tokens - 1)
        return greedy(self.host, max_new_tokens, input_ids=input_ids, past=self.past(input_ids.shape[0]))
