"""Attention with a prefix, computed independently: a GPT-2-architecture forward in float64, causal masks and the
parameter counts of the PEFT methods in closed form.

Nothing here masks a score matrix: query i of the real sequence attends to ``cat(prefix keys, keys[: i + 1])``, the
slice *is* the causal rule (so a mask bug elsewhere cannot be reproduced here by the same mask).  The zero prefix has
its own closed form: with K = V = 0 at P prefix positions every prefix score is 0, so

    attention_i = Σ_{j ≤ i} e^{s_ij} v_j / (P + Σ_{j ≤ i} e^{s_ij}) = σ(lse_i − log P) · (attention without a prefix)_i

where lse_i = log Σ_{j ≤ i} e^{s_ij} and σ is the logistic function (Li & Liang 2021, §4.2 reading of the prefix as
extra key/value rows).

The host is described by a GPT-2 config and a state dict in GPT-2's names and Conv1D layout (weights stored
(in, out)), see :mod:`properties.peft.host`: pre-LayerNorm blocks (ε = 1e-5), GELU in its tanh approximation,
learned absolute positions, LM head tied to the token embedding.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import torch

F64 = torch.float64
LN_EPS = 1e-5

# ------------------------------------------------------------------------------------------- closed forms


def lora_scaling(lora_alpha: float, r: int, use_rslora: bool) -> float:
    """s = α / r (Hu et al. 2021, §4.1); rsLoRA s = α / √r (Kalajdzievski 2023, Theorem 3.2)."""
    return lora_alpha / math.sqrt(r) if use_rslora else lora_alpha / r


def lora_trainable(d_in: int, d_out: int, r: int) -> int:
    """A ∈ R^{r×d_in} and B ∈ R^{d_out×r}: r·(d_in + d_out) numbers per adapted layer."""
    return r * (d_in + d_out)


def adapter_trainable(d_model: int, bottleneck: int) -> int:
    """Down-projection d·m + m and up-projection m·d + d (Houlsby et al. 2019, §2.1: 2md + d + m)."""
    return 2 * d_model * bottleneck + d_model + bottleneck


def prefix_trainable(n_layer: int, n_virtual: int, d: int, encoder_hidden_size: int | None = None) -> int:
    """Without the reparameterisation: one key and one value row per layer and prefix position, L·2·P·d.
    With it (Li & Liang 2021, §4.3): the embedding P·d, Linear(d, h) d·h + h and Linear(h, 2Ld) h·2Ld + 2Ld."""
    if encoder_hidden_size is None:
        return n_layer * 2 * n_virtual * d
    h, out = encoder_hidden_size, 2 * n_layer * d
    return n_virtual * d + (d * h + h) + (h * out + out)


def prompt_trainable(n_virtual: int, d: int) -> int:
    """P soft-prompt embeddings of width d (Lester et al. 2021, §2)."""
    return n_virtual * d


def causal_allowed(T: int, P: int) -> torch.Tensor:
    """(T, P + T) booleans: real token i may attend to column j iff j < P (a prefix position) or j − P ≤ i."""
    j = torch.arange(P + T)
    i = torch.arange(T)[:, None]
    return (j[None, :] < P) | (j[None, :] - P <= i)


# ------------------------------------------------------------------------------------------- the prefix layout


def prefix_rows(embedding: torch.Tensor, transform: Sequence[torch.nn.Linear] | None = None) -> torch.Tensor:
    """The (P, 2·L·d) prefix matrix: the embedding itself, or Linear₂(tanh(Linear₁(E))) with the reparameterisation."""
    E = embedding.detach().to(F64)
    if transform is None:
        return E
    first, second = transform
    hidden = torch.tanh(E @ first.weight.detach().to(F64).T + first.bias.detach().to(F64))
    return hidden @ second.weight.detach().to(F64).T + second.bias.detach().to(F64)


def prefix_kv(rows: torch.Tensor, n_layer: int, n_head: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Row p viewed as (2L, H, D): index 2l is layer l's key at prefix position p, 2l + 1 its value.
    Returns per layer (K_l, V_l), each (H, P, D)."""
    P = rows.shape[0]
    D = rows.shape[1] // (2 * n_layer * n_head)
    blocks = rows.reshape(P, 2 * n_layer, n_head, D).permute(1, 2, 0, 3)
    return [(blocks[2 * layer], blocks[2 * layer + 1]) for layer in range(n_layer)]


# ------------------------------------------------------------------------------------------- attention


def attend_by_slicing(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                      pk: torch.Tensor | None, pv: torch.Tensor | None) -> torch.Tensor:
    """(H, T, D) queries/keys/values of the real tokens, (H, P, D) prefix keys/values → (H, T, D).

    Query i: softmax(q_i [pk; k_{≤i}]ᵀ / √D) [pv; v_{≤i}] — one explicit softmax per query, no mask."""
    H, T, D = q.shape
    out = torch.empty_like(q)
    for i in range(T):
        keys, vals = k[:, : i + 1], v[:, : i + 1]
        if pk is not None:
            keys, vals = torch.cat([pk, keys], dim=1), torch.cat([pv, vals], dim=1)
        scores = torch.einsum("hd,hjd->hj", q[:, i], keys) / math.sqrt(D)
        weights = torch.softmax(scores, dim=-1)
        out[:, i] = torch.einsum("hj,hjd->hd", weights, vals)
    return out


def attend_zero_prefix(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, P: int) -> torch.Tensor:
    """The closed form of attention over P all-zero prefix keys and values: the prefix-free attention of query i
    scaled by σ(lse_i − log P)."""
    H, T, D = q.shape
    out = torch.empty_like(q)
    for i in range(T):
        scores = torch.einsum("hd,hjd->hj", q[:, i], k[:, : i + 1]) / math.sqrt(D)
        lse = torch.logsumexp(scores, dim=-1)
        plain = torch.einsum("hj,hjd->hd", torch.softmax(scores, dim=-1), v[:, : i + 1])
        factor = torch.sigmoid(lse - math.log(P)) if P > 0 else torch.ones_like(lse)
        out[:, i] = factor[:, None] * plain
    return out


# ------------------------------------------------------------------------------------------- the host forward


def _ln(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + LN_EPS) * w + b


def _gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


Attend = Callable[[int, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def gpt2_logits(config: Mapping[str, int], state: Mapping[str, torch.Tensor], *,
                input_ids: torch.Tensor | None = None, inputs_embeds: torch.Tensor | None = None,
                first_position: int = 0, attend: Attend | None = None) -> torch.Tensor:
    """Logits (B, T, V) in float64 of the GPT-2 host; the real tokens sit at positions first_position, …, + T − 1.

    ``attend(layer, q, k, v)`` computes one layer's attention for one sequence ((H, T, D) each); default: no prefix."""
    def w(name: str) -> torch.Tensor:
        return state[name].detach().to(F64)

    L, H = config["n_layer"], config["n_head"]
    attend = attend or (lambda layer, q, k, v: attend_by_slicing(q, k, v, None, None))
    if inputs_embeds is None:
        x = w("transformer.wte.weight")[input_ids]
    else:
        x = inputs_embeds.detach().to(F64)
    B, T, d = x.shape
    D = d // H
    x = x + w("transformer.wpe.weight")[first_position: first_position + T]
    for layer in range(L):
        p = f"transformer.h.{layer}."
        a = _ln(x, w(p + "ln_1.weight"), w(p + "ln_1.bias"))
        qkv = a @ w(p + "attn.c_attn.weight") + w(p + "attn.c_attn.bias")          # Conv1D: x W + b, W (in, out)
        q, k, v = (t.reshape(B, T, H, D).transpose(1, 2) for t in qkv.split(d, dim=-1))
        heads = torch.stack([attend(layer, q[b], k[b], v[b]) for b in range(B)])       # (B, H, T, D)
        merged = heads.transpose(1, 2).reshape(B, T, d)
        x = x + merged @ w(p + "attn.c_proj.weight") + w(p + "attn.c_proj.bias")
        m = _ln(x, w(p + "ln_2.weight"), w(p + "ln_2.bias"))
        m = _gelu_tanh(m @ w(p + "mlp.c_fc.weight") + w(p + "mlp.c_fc.bias"))
        x = x + m @ w(p + "mlp.c_proj.weight") + w(p + "mlp.c_proj.bias")
    x = _ln(x, w("transformer.ln_f.weight"), w("transformer.ln_f.bias"))
    return x @ w("lm_head.weight").T


def prefix_logits(config: Mapping[str, int], state: Mapping[str, torch.Tensor], input_ids: torch.Tensor,
                  kv: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """The host with prefix keys/values ``kv[l] = (K_l, V_l)`` ((H, P, D)) in every layer; real tokens at P, P+1, …"""
    P = kv[0][0].shape[1]
    return gpt2_logits(config, state, input_ids=input_ids, first_position=P,
                       attend=lambda layer, q, k, v: attend_by_slicing(q, k, v, kv[layer][0].to(F64), kv[layer][1].to(F64)))


def zero_prefix_logits(config: Mapping[str, int], state: Mapping[str, torch.Tensor], input_ids: torch.Tensor,
                       P: int) -> torch.Tensor:
    """The host with an all-zero prefix of length P, from the closed form (no zero keys are ever built)."""
    return gpt2_logits(config, state, input_ids=input_ids, first_position=P,
                       attend=lambda layer, q, k, v: attend_zero_prefix(q, k, v, P))
