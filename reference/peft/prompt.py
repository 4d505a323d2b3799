"""Prompt tuning (Lester, Al-Rfou & Constant, The Power of Scale for Parameter-Efficient Prompt Tuning, EMNLP 2021, §2).

P trainable embeddings are prepended to the embedded input and the frozen model runs on the concatenation:

    logits = LM([P; embed(x)])       P ∈ R^{n_virtual × d}

so the soft prompt occupies positions 0 … P − 1 and the real tokens P … P + T − 1; the logits of all P + T positions
are returned (peft's convention).  Only P trains: n_virtual · d parameters.
"""
from __future__ import annotations

import torch
from torch import nn

from reference.peft.transformer import F64, TinyCausalLM, greedy


class PromptTuning(nn.Module):
    """``PromptTuning(config, state, n_virtual, token_dim=None, seed=0)``: ``embedding``, ``logits``, ``generate``."""

    #: declared to the checks: computed in float64 throughout
    invariants_support = {"precision": "float64"}

    def __init__(self, config, state, n_virtual: int, token_dim: int | None = None, seed: int = 0) -> None:
        super().__init__()
        self.host = TinyCausalLM(config, state)
        d = self.host.config["n_embd"]
        if isinstance(n_virtual, bool) or not isinstance(n_virtual, int) or n_virtual < 0:
            raise ValueError(f"n_virtual must be a non-negative integer, got {n_virtual!r}")
        if token_dim is not None and token_dim != d:
            raise ValueError(f"token_dim = {token_dim!r} must equal the host's hidden size n_embd = {d}")
        self.n_virtual = n_virtual
        g = torch.Generator().manual_seed(seed)
        self.embedding = nn.Parameter(torch.randn(n_virtual, d, generator=g, dtype=F64))

    @property
    def module(self) -> nn.Module:
        return self

    def inputs_embeds(self, input_ids: torch.Tensor) -> torch.Tensor:
        """[P; embed(x)], (B, P + T, d)."""
        B = input_ids.shape[0]
        return torch.cat([self.embedding.expand(B, -1, -1), self.host.embed(input_ids)], dim=1)

    def logits(self, input_ids: torch.Tensor) -> torch.Tensor:
        """(B, P + T, V) = LM([P; embed(x)])."""
        self.host.check_ids(input_ids, offset=self.n_virtual)
        return self.host(inputs_embeds=self.inputs_embeds(input_ids))[0]

    def generate(self, input_ids: torch.Tensor, max_new_tokens: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Greedy decoding after [P; embed(x)]: (sequences (B, T + n) without the virtual tokens, scores)."""
        self.host.check_ids(input_ids, offset=self.n_virtual + max_new_tokens - 1)
        return greedy(self.host, max_new_tokens, input_ids=input_ids, inputs_embeds=self.inputs_embeds(input_ids))
