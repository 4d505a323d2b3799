"""A tiny causal transformer of our own, in float64, to host the PEFT methods.

It has GPT-2's architecture (Radford et al. 2019; the decoder of Vaswani et al. 2017 with LayerNorm moved to the
input of each sub-block): learned absolute position embeddings, pre-LayerNorm blocks (ε = 1e-5), multi-head causal
self-attention, an MLP with GELU in its tanh approximation, a final LayerNorm and an LM head tied to the token
embedding.  It is built from a config (``n_layer, n_embd, n_head, vocab_size, n_positions``) and a state dict in
GPT-2's names and Conv1D layout (weights stored (in, out)), and keeps every weight as a frozen float64 parameter in
that layout.  LoRA and bottleneck adapters are inserted by :mod:`reference.peft.hosting`.

``forward`` takes ``past``: per layer the keys and values (B, H, S, D) of S earlier positions — a KV cache, or a
prefix (Li & Liang 2021 insert the prefix exactly there).  The S + T keys are masked causally with the offset S, and
the new tokens sit at positions S, …, S + T − 1.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import torch
from torch import nn

from reference.peft.lora import FrozenLinear

F64 = torch.float64
LN_EPS = 1e-5
CONFIG_KEYS = ("n_layer", "n_embd", "n_head", "vocab_size", "n_positions")
KV = tuple[torch.Tensor, torch.Tensor]


def check_config(config: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(config, Mapping) or set(config) != set(CONFIG_KEYS):
        raise ValueError(f"config must be a mapping with exactly the keys {CONFIG_KEYS}, got {config!r}")
    for key in CONFIG_KEYS:
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"config[{key!r}] must be a positive integer, got {value!r}")
    if config["n_embd"] % config["n_head"]:
        raise ValueError(f"config['n_embd'] = {config['n_embd']} must be divisible by n_head = {config['n_head']}")
    return dict(config)


def state_shapes(config: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
    """The GPT-2 state dict this host reads: name → shape (Conv1D weights as (in, out))."""
    d, V, n = config["n_embd"], config["vocab_size"], config["n_positions"]
    shapes = {"transformer.wte.weight": (V, d), "transformer.wpe.weight": (n, d)}
    for layer in range(config["n_layer"]):
        p = f"transformer.h.{layer}."
        shapes.update({p + "ln_1.weight": (d,), p + "ln_1.bias": (d,), p + "ln_2.weight": (d,), p + "ln_2.bias": (d,),
                       p + "attn.c_attn.weight": (d, 3 * d), p + "attn.c_attn.bias": (3 * d,),
                       p + "attn.c_proj.weight": (d, d), p + "attn.c_proj.bias": (d,),
                       p + "mlp.c_fc.weight": (d, 4 * d), p + "mlp.c_fc.bias": (4 * d,),
                       p + "mlp.c_proj.weight": (4 * d, d), p + "mlp.c_proj.bias": (d,)})
    shapes.update({"transformer.ln_f.weight": (d,), "transformer.ln_f.bias": (d,), "lm_head.weight": (V, d)})
    return shapes


def _frozen(t: torch.Tensor) -> nn.Parameter:
    return nn.Parameter(t.detach().to(F64).clone(), requires_grad=False)


class Block(nn.Module):
    """One pre-LayerNorm decoder block.  Its four projections are frozen layers in GPT-2's Conv1D layout
    (``c_attn``, ``c_proj``, ``c_fc``, ``mlp_proj``) that LoRA can wrap; ``adapter_attn`` and ``adapter_mlp`` (the
    identity until Houlsby adapters are inserted) act on each sub-layer's output before its residual addition."""

    def __init__(self, state: Mapping[str, torch.Tensor], prefix: str, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        for name in ("ln_1.weight", "ln_1.bias", "ln_2.weight", "ln_2.bias"):
            self.register_parameter(name.replace(".", "_"), _frozen(state[prefix + name]))
        for attr, name in (("c_attn", "attn.c_attn"), ("c_proj", "attn.c_proj"), ("c_fc", "mlp.c_fc"),
                           ("mlp_proj", "mlp.c_proj")):
            setattr(self, attr, FrozenLinear(_frozen(state[prefix + name + ".weight"]).data,
                                             _frozen(state[prefix + name + ".bias"]).data, fan_in_fan_out=True))
        self.adapter_attn: nn.Module = nn.Identity()
        self.adapter_mlp: nn.Module = nn.Identity()

    @staticmethod
    def allowed(T: int, S: int) -> torch.Tensor:
        """The causal mask with the offset S: query i (at position S + i) sees keys 0 … S + i."""
        return torch.ones(T, S + T, dtype=torch.bool).tril(diagonal=S)

    def attention(self, x: torch.Tensor, past: KV | None) -> tuple[torch.Tensor, KV]:
        B, T, d = x.shape
        H, D = self.n_head, d // self.n_head
        q, k, v = (t.reshape(B, T, H, D).transpose(1, 2) for t in self.c_attn(x).split(d, dim=-1))
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        # Attention(Q, K, V) = softmax(Q Kᵀ / √D + M) V   (Vaswani et al. 2017, eq. 1)
        allowed = self.allowed(T, k.shape[2] - T)
        scores = (q @ k.transpose(-1, -2) / math.sqrt(D)).masked_fill(~allowed, -math.inf)
        heads = torch.softmax(scores, dim=-1) @ v
        return self.c_proj(heads.transpose(1, 2).reshape(B, T, d)), (k, v)

    def forward(self, x: torch.Tensor, past: KV | None) -> tuple[torch.Tensor, KV]:
        a, present = self.attention(nn.functional.layer_norm(x, x.shape[-1:], self.ln_1_weight, self.ln_1_bias,
                                                             LN_EPS), past)
        x = x + self.adapter_attn(a)
        m = nn.functional.layer_norm(x, x.shape[-1:], self.ln_2_weight, self.ln_2_bias, LN_EPS)
        # GELU, tanh approximation (Hendrycks & Gimpel 2016), as GPT-2's "gelu_new"
        m = self.mlp_proj(nn.functional.gelu(self.c_fc(m), approximate="tanh"))
        return x + self.adapter_mlp(m), present


class TinyCausalLM(nn.Module):
    """The host: ``TinyCausalLM(config, state)``; every parameter frozen (the PEFT wrappers train their own)."""

    def __init__(self, config: Mapping[str, int], state: Mapping[str, torch.Tensor]) -> None:
        super().__init__()
        self.config = check_config(config)
        if not isinstance(state, Mapping):
            raise ValueError(f"state must be a mapping name → tensor, got {type(state).__name__}")
        for name, shape in state_shapes(self.config).items():
            if name not in state:
                raise ValueError(f"state lacks {name!r}")
            if tuple(state[name].shape) != shape:
                raise ValueError(f"state[{name!r}] has shape {tuple(state[name].shape)}, expected {shape}")
        self.wte = _frozen(state["transformer.wte.weight"])
        self.wpe = _frozen(state["transformer.wpe.weight"])
        self.blocks = nn.ModuleList(Block(state, f"transformer.h.{layer}.", self.config["n_head"])
                                    for layer in range(self.config["n_layer"]))
        self.ln_f_weight = _frozen(state["transformer.ln_f.weight"])
        self.ln_f_bias = _frozen(state["transformer.ln_f.bias"])
        self.lm_head = _frozen(state["lm_head.weight"])

    @property
    def head_dim(self) -> int:
        return self.config["n_embd"] // self.config["n_head"]

    def check_ids(self, input_ids: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """(B, T) integer ids in [0, vocab_size) with offset + T ≤ n_positions."""
        if not isinstance(input_ids, torch.Tensor) or input_ids.ndim != 2 or input_ids.shape[1] < 1 \
                or input_ids.dtype not in (torch.int32, torch.int64):
            raise ValueError(f"input_ids must be a (B, T) integer tensor with T ≥ 1, got {input_ids!r}")
        if int(input_ids.min()) < 0 or int(input_ids.max()) >= self.config["vocab_size"]:
            raise ValueError(f"input_ids must lie in [0, {self.config['vocab_size']}), got "
                             f"[{int(input_ids.min())}, {int(input_ids.max())}]")
        if offset + input_ids.shape[1] > self.config["n_positions"]:
            raise ValueError(f"input_ids: {offset} earlier positions + T = {input_ids.shape[1]} exceed n_positions = "
                             f"{self.config['n_positions']}")
        return input_ids

    @staticmethod
    def positions(S: int, T: int) -> torch.Tensor:
        """The positions of T new tokens after S earlier ones (a prefix or a KV cache): S … S + T − 1."""
        return torch.arange(S, S + T)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.wte[input_ids]

    def forward(self, input_ids: torch.Tensor | None = None, inputs_embeds: torch.Tensor | None = None,
                past: Sequence[KV] | None = None) -> tuple[torch.Tensor, list[KV]]:
        """Logits (B, T, V) and the keys/values of every layer (``past`` included) for the next call."""
        S = 0 if past is None else past[0][0].shape[2]
        x = self.embed(input_ids) if inputs_embeds is None else inputs_embeds.to(F64)
        T = x.shape[1]
        if S + T > self.config["n_positions"]:
            raise ValueError(f"input_ids: {S} earlier positions + T = {T} exceed n_positions = "
                             f"{self.config['n_positions']}")
        # h₀ = token embedding + position embedding
        x = x + self.wpe[self.positions(S, T)]
        present = []
        for layer, block in enumerate(self.blocks):
            x, kv = block(x, None if past is None else past[layer])
            present.append(kv)
        x = nn.functional.layer_norm(x, x.shape[-1:], self.ln_f_weight, self.ln_f_bias, LN_EPS)
        return x @ self.lm_head.T, present


def greedy(host: TinyCausalLM, max_new_tokens: int, *, input_ids: torch.Tensor,
           inputs_embeds: torch.Tensor | None = None, past: Sequence[KV] | None = None
           ) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Greedy decoding with a KV cache: ``(sequences (B, T + n), scores [n × (B, V)])``; the first step reads
    ``inputs_embeds`` when given (prompt tuning) or ``input_ids``, each later step only the last token."""
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive integer, got {max_new_tokens!r}")
    sequences, scores = input_ids, []
    with torch.no_grad():
        logits, cache = host(input_ids=None if inputs_embeds is not None else input_ids, inputs_embeds=inputs_embeds,
                             past=past)
        for step in range(max_new_tokens):
            scores.append(logits[:, -1])
            # x_{t+1} = argmax_v p(v | x_{≤t})
            token = logits[:, -1].argmax(dim=-1, keepdim=True)
            sequences = torch.cat([sequences, token], dim=1)
            if step + 1 < max_new_tokens:
                logits, cache = host(input_ids=token, past=cache)
    return sequences, scores
