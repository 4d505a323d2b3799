"""The base model the prefix- and prompt-tuning contracts wrap: a tiny GPT-2-architecture causal LM.

A host is ``(config, state)``: ``config`` holds ``n_layer, n_embd, n_head, vocab_size, n_positions`` and ``state``
is a state dict in GPT-2's own names and layout (``transformer.h.{l}.attn.c_attn.weight`` is a Conv1D weight of shape
(in, out) = (d, 3d), ``lm_head.weight`` is tied to ``transformer.wte.weight``), so that ``transformers``'
``GPT2LMHeadModel`` loads it as-is and a hand-written decoder reads it by name.

The weights are drawn here from ``torch.Generator().manual_seed(seed)`` (never the global RNG), in float32, at
scales that make every part of the network matter: projections with standard deviation 0.2 (attention scores of
order 1, so softmax weights are neither uniform nor one-hot), embeddings 0.5 (logits of order 1), and non-trivial
LayerNorm gains and every bias drawn (GPT-2's own initialisation sets them to 1 and 0, which would hide a mutant that
drops one).
"""
from __future__ import annotations

import functools

import torch

#: the tiny GPT-2 of the issue (bos/eos id 0 are GPT2Config arguments of the library adapters, not of the contract)
CONFIG = {"n_layer": 2, "n_embd": 32, "n_head": 2, "vocab_size": 100, "n_positions": 64}
SEEDS = (0, 1, 2)
PROJECTION_STD = 0.2
EMBEDDING_STD = 0.5
GAIN_STD = BIAS_STD = 0.1


@functools.lru_cache(maxsize=len(SEEDS) + 1)
def _state(seed: int) -> tuple[tuple[str, torch.Tensor], ...]:
    g = torch.Generator().manual_seed(seed)
    d, L, V, n = CONFIG["n_embd"], CONFIG["n_layer"], CONFIG["vocab_size"], CONFIG["n_positions"]

    def normal(*shape: int, std: float, mean: float = 0.0) -> torch.Tensor:
        return mean + std * torch.randn(*shape, generator=g, dtype=torch.float32)

    out = {"transformer.wte.weight": normal(V, d, std=EMBEDDING_STD),
           "transformer.wpe.weight": normal(n, d, std=EMBEDDING_STD)}
    shapes = {"attn.c_attn": (d, 3 * d), "attn.c_proj": (d, d), "mlp.c_fc": (d, 4 * d), "mlp.c_proj": (4 * d, d)}
    for layer in range(L):
        p = f"transformer.h.{layer}."
        for ln in ("ln_1", "ln_2"):
            out[p + ln + ".weight"] = normal(d, std=GAIN_STD, mean=1.0)
            out[p + ln + ".bias"] = normal(d, std=BIAS_STD)
        for name, (d_in, d_out) in shapes.items():
            out[p + name + ".weight"] = normal(d_in, d_out, std=PROJECTION_STD)
            out[p + name + ".bias"] = normal(d_out, std=BIAS_STD)
    out["transformer.ln_f.weight"] = normal(d, std=GAIN_STD, mean=1.0)
    out["transformer.ln_f.bias"] = normal(d, std=BIAS_STD)
    out["lm_head.weight"] = out["transformer.wte.weight"]
    return tuple(out.items())


def base_state(seed: int) -> dict[str, torch.Tensor]:
    """A fresh copy of the host's float32 state dict for ``seed`` (callers may hand it to code under test)."""
    return {k: v.clone() for k, v in _state(seed)}


def base_config() -> dict[str, int]:
    return dict(CONFIG)
