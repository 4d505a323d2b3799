"""Prefix-tuning mutants: the reference with one bug each (in its host's mask or positions, the prefix layout, the
reparameterisation, what trains, or generation)."""
from __future__ import annotations

import torch
from torch import nn

from reference.peft.prefix import PrefixTuning
from reference.peft.transformer import greedy
from tests.zoo import mutant


@mutant("prefix", bug="prefix positions starting at 0: the real tokens take positions 0 … T − 1 as if the prefix "
                      "occupied none",
        catches=("prefix.attention_over_concatenated_kv", "prefix.zero_prefix_closed_form"))
class PositionsFromZero(PrefixTuning):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        P = self.n_virtual
        self.host.positions = lambda S, T: torch.arange(S - P, S - P + T)


@mutant("prefix", bug="the prefix hidden by the causal mask: tril(ones(T, P + T)) without the offset P, so token t "
                      "sees only the first t + 1 columns of [prefix; sequence]",
        catches=("prefix.attention_over_concatenated_kv", "prefix.mask", "prefix.permutation_invariant",
                 "prefix.zero_prefix_closed_form"))
class PrefixHiddenByCausalMask(PrefixTuning):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for block in self.host.blocks:
            block.allowed = lambda T, S: torch.ones(T, S + T, dtype=torch.bool).tril()


@mutant("prefix", bug="the attention mask not extended for the prefix: the prefix columns are masked out, so the "
                      "prefix (a zero one included) changes nothing",
        catches=("prefix.attention_over_concatenated_kv", "prefix.mask", "prefix.zero_prefix_closed_form"))
class PrefixMaskedOut(PrefixTuning):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        P = self.n_virtual
        for block in self.host.blocks:
            block.allowed = lambda T, S, causal=block.allowed: causal(T, S) & (torch.arange(S + T) >= P)


@mutant("prefix", bug="layer l's K and V swapped: the last layer reads index 2l + 1 as keys and 2l as values",
        catches=("prefix.attention_over_concatenated_kv",))
class KVSwappedInLastLayer(PrefixTuning):
    def past(self, batch):
        kv = super().past(batch)
        kv[-1] = (kv[-1][1], kv[-1][0])
        return kv


@mutant("prefix", bug="the reparameterisation without its tanh: Linear₂(Linear₁(E)), a linear map",
        catches=("prefix.attention_over_concatenated_kv",))
class ProjectionWithoutTanh(PrefixTuning):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.prefix_projection:
            self.transform[1] = nn.Identity()


@mutant("prefix", bug="the base model not frozen: the token embedding left trainable",
        catches=("prefix.parameter_count", "prefix.only_prefix_trains"))
class BaseNotFrozen(PrefixTuning):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.host.wte.requires_grad_(True)


@mutant("prefix", bug="the prefix detached before it enters the attention: no gradient reaches it",
        catches=("prefix.only_prefix_trains",))
class PrefixDetached(PrefixTuning):
    def rows(self):
        return super().rows().detach()


@mutant("prefix", bug="generate() decodes with the base model alone (the prefix dropped, as peft's generate under "
                      "transformers 5.24)",
        catches=("prefix.generation_is_greedy_decoding",))
class GenerateWithoutPrefix(PrefixTuning):
    def generate(self, input_ids, max_new_tokens):
        return greedy(self.host, max_new_tokens, input_ids=input_ids)


@mutant("prefix", bug="a negative prefix length accepted as 0", catches=("prefix.rejects_bad_input",))
class AcceptsNegativeLength(PrefixTuning):
    def __init__(self, config, state, n_virtual, *args, **kwargs):
        super().__init__(config, state, max(n_virtual, 0) if isinstance(n_virtual, int) else n_virtual, *args, **kwargs)
