"""Thin adapters: peft on a tiny randomly initialised GPT-2, speaking the ``lora``, ``ia3``, ``prefix`` and ``prompt`` contracts.

``transformers`` and ``peft`` are imported inside the functions (about 8 s together), so loading a topic never pays
for them; nothing is downloaded (``HF_HUB_OFFLINE=1``).  GPT-2 is
``GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=100, n_positions=64, bos_token_id=0,
eos_token_id=0))`` in float32, put in ``eval()`` mode (dropout off: dropout is training noise, not the method), and
every model is built once per process and deep-copied per use (``merge_and_unload`` and the checks change weights in
place).  peft draws its initial values (LoRA's A, the prefix, the prompt) from torch's global generator: the adapters
fork it and seed it with the contract's ``seed`` around construction, so the global random state is left alone.

What each adapter changes, and nothing else:

* ``PeftLoraGPT2`` — ``LoraConfig(r, lora_alpha, use_rslora, target_modules=[<layer>], lora_dropout=0,
  fan_in_fan_out=True)`` on the GPT-2 Conv1D layer of the requested shape (``attn.c_attn`` 32×96, ``attn.c_proj``
  32×32, ``mlp.c_fc`` 32×128, ``mlp.c_proj`` 128×32), the base built with GPT-2's own initialisation from ``seed``;
  the contract's layer is block 0's.  ``merge_and_unload`` runs on a deep copy of the peft model (peft's changes the
  base model in place) and returns that copy's plain Conv1D.  Inputs (the layer's and the unloaded layer's) are
  cast to float32.
* ``PeftLoraLinear`` — the same on a lone ``torch.nn.Linear(d_in, d_out)`` (``fan_in_fan_out=False``), any shape.
* ``PeftIA3GPT2`` / ``PeftIA3Linear`` — ``IA3Config(target_modules=[<layer>], feedforward_modules=[<layer>] or [],
  fan_in_fan_out=...)`` on block 0's Conv1D layer of the requested shape, or on a lone ``torch.nn.Linear``; ``ia3_l``
  is peft's own parameter, ``merge``/``unmerge`` the layer's own, ``merge_and_unload`` on a deep copy.
* ``PeftPrefixTuning`` / ``PeftPromptTuning`` — ``PrefixTuningConfig`` / ``PromptTuningConfig`` (task ``CAUSAL_LM``)
  on GPT-2 loaded from the contract's ``(config, state)``; ``logits`` is the ``PeftModel``'s forward,
  ``generate`` its ``generate(input_ids, attention_mask=1, max_new_tokens, do_sample=False)`` with
  ``output_logits=True`` (the raw next-token logits; no end-of-sequence stop, so exactly ``max_new_tokens`` tokens).
"""
from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
from typing import Iterator, Mapping

import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
F32 = torch.float32
GPT2 = {"n_layer": 2, "n_embd": 32, "n_head": 2, "vocab_size": 100, "n_positions": 64}
#: the Conv1D layers of one GPT-2 block, by (d_in, d_out) of the contract's ``shape`` axis
CONV1D_TARGETS = {"32x96": "attn.c_attn", "32x32": "attn.c_proj", "32x128": "mlp.c_fc", "128x32": "mlp.c_proj"}


def libraries():
    """``(transformers, peft)``, imported on first use."""
    import peft
    import transformers
    return transformers, peft


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """torch's global generator seeded with ``seed`` inside, restored afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _gpt2_config(config: Mapping[str, int]):
    transformers, _ = libraries()
    return transformers.GPT2Config(**dict(config), bos_token_id=0, eos_token_id=0)


@functools.lru_cache(maxsize=4)
def gpt2_from_seed(seed: int):
    """The tiny GPT-2 with transformers' own initialisation from ``seed`` — the cached object: deep-copy it before
    changing anything."""
    transformers, _ = libraries()
    with seeded(seed):
        return transformers.GPT2LMHeadModel(_gpt2_config(GPT2)).eval()


def _digest(config: Mapping[str, int], state: Mapping[str, torch.Tensor]) -> str:
    h = hashlib.sha256(repr(sorted(config.items())).encode())
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].detach().to(F32).contiguous().numpy().tobytes())
    return h.hexdigest()


_LOADED: dict[str, object] = {}


def gpt2_from_state(config: Mapping[str, int], state: Mapping[str, torch.Tensor]):
    """GPT-2 with exactly ``state`` (a fresh copy; built once per distinct config and state)."""
    key = _digest(config, state)
    if key not in _LOADED:
        transformers, _ = libraries()
        with seeded(0):
            model = transformers.GPT2LMHeadModel(_gpt2_config(config))
        model.load_state_dict({k: v.detach().to(F32) for k, v in state.items()}, strict=True)
        if len(_LOADED) >= 4:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = model.eval()
    return copy.deepcopy(_LOADED[key])


def _module(root, path: str):
    for part in path.split("."):
        root = root[int(part)] if part.isdigit() else getattr(root, part)
    return root


class _Float32Input(torch.nn.Module):
    """A float32 module called with the contract's float64 inputs (its parameters are the module's own)."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x.to(F32))


class _PeftLayer:
    """One peft-adapted layer, the part the lora and ia3 contracts share: the layer is called with float32 inputs;
    ``merge``/``unmerge`` are the layer's own; ``merge_and_unload`` runs on a deep copy of the peft model (peft's
    changes the base model in place) and returns that copy's plain layer."""

    precision = "float32"
    _path = ""

    def _wrap(self, base, config, seed: int) -> None:
        _, peft = libraries()
        with seeded(seed):
            self.model = peft.get_peft_model(base, config).eval()
        self.layer = _module(self.model.base_model.model, self._path)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x.to(F32))

    @property
    def module(self):
        return self.layer

    @property
    def base_layer(self):
        return self.layer.base_layer

    def merge(self) -> None:
        self.layer.merge()

    def unmerge(self) -> None:
        self.layer.unmerge()

    def merge_and_unload(self):
        return _Float32Input(_module(copy.deepcopy(self.model).merge_and_unload(), self._path))


def _gpt2_target(d_in: int, d_out: int, fan_in_fan_out: bool) -> str:
    """GPT-2's Conv1D layer of shape (d_in, d_out); any other shape is refused: there is no such layer to adapt."""
    target = CONV1D_TARGETS.get(f"{d_in}x{d_out}")
    if target is None or not fan_in_fan_out:
        raise ValueError(f"GPT-2 has Conv1D layers (fan_in_fan_out=True) of shapes (d_in, d_out) in "
                         f"{sorted(CONV1D_TARGETS)}, not (d_in, d_out) = ({d_in}, {d_out}) with "
                         f"fan_in_fan_out={fan_in_fan_out}")
    return target


class _Host(torch.nn.Module):
    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(d_in, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)


def _linear_host(d_in: int, d_out: int, fan_in_fan_out: bool, seed: int) -> _Host:
    if fan_in_fan_out:
        raise ValueError("a torch.nn.Linear stores its weight (out, in): fan_in_fan_out must be False")
    with seeded(seed):
        return _Host(d_in, d_out)


class _PeftLora(_PeftLayer):
    def _build(self, base, target: str, r, lora_alpha, use_rslora, fan_in_fan_out, seed) -> None:
        _, peft = libraries()
        self._wrap(base, peft.LoraConfig(r=r, lora_alpha=lora_alpha, use_rslora=use_rslora, target_modules=[target],
                                         lora_dropout=0.0, fan_in_fan_out=fan_in_fan_out), seed)

    @property
    def lora_A(self) -> torch.Tensor:
        return self.layer.lora_A["default"].weight

    @property
    def lora_B(self) -> torch.Tensor:
        return self.layer.lora_B["default"].weight

    @property
    def scaling(self) -> float:
        return self.layer.scaling["default"]


class PeftLoraGPT2(_PeftLora):
    """peft LoRA on block 0's Conv1D layer of the requested shape of a tiny GPT-2."""

    invariants_support = {"shape": tuple(CONV1D_TARGETS), "fan_in_fan_out": (True,)}

    def __init__(self, d_in: int, d_out: int, r: int = 8, lora_alpha: float = 8.0, use_rslora: bool = False,
                 fan_in_fan_out: bool = True, seed: int = 0) -> None:
        target = _gpt2_target(d_in, d_out, fan_in_fan_out)
        self._path = f"transformer.h.0.{target}"
        self._build(copy.deepcopy(gpt2_from_seed(seed)), target, r, lora_alpha, use_rslora, True, seed)


class PeftLoraLinear(_PeftLora):
    """peft LoRA on a lone ``torch.nn.Linear(d_in, d_out)`` (fan_in_fan_out=False)."""

    invariants_support = {"fan_in_fan_out": (False,)}
    _path = "proj"

    def __init__(self, d_in: int, d_out: int, r: int = 8, lora_alpha: float = 8.0, use_rslora: bool = False,
                 fan_in_fan_out: bool = False, seed: int = 0) -> None:
        self._build(_linear_host(d_in, d_out, fan_in_fan_out, seed), "proj", r, lora_alpha, use_rslora, False, seed)


class _PeftPromptLearning:
    precision = "float32"

    def _build(self, config, state, peft_config, seed: int) -> None:
        _, peft = libraries()
        base = gpt2_from_state(config, state)
        with seeded(seed):
            self.model = peft.get_peft_model(base, peft_config).eval()
        self.encoder = self.model.prompt_encoder["default"]

    @property
    def module(self):
        return self.model

    @property
    def embedding(self) -> torch.Tensor:
        return self.encoder.embedding.weight

    def logits(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids).logits

    def generate(self, input_ids: torch.Tensor, max_new_tokens: int):
        out = self.model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                  max_new_tokens=max_new_tokens, do_sample=False, output_logits=True,
                                  return_dict_in_generate=True, eos_token_id=None, pad_token_id=0)
        return out.sequences, list(out.logits)


class PeftPrefixTuning(_PeftPromptLearning):
    """peft prefix tuning (with and without ``prefix_projection``) on the tiny GPT-2."""

    invariants_support = {"prefix_projection": (False, True)}

    def __init__(self, config, state, n_virtual: int, prefix_projection: bool = False,
                 encoder_hidden_size: int | None = None, token_dim: int | None = None, seed: int = 0) -> None:
        transformers, peft = libraries()
        kwargs = {} if encoder_hidden_size is None else {"encoder_hidden_size": encoder_hidden_size}
        if token_dim is not None:
            kwargs["token_dim"] = token_dim
        self._build(config, state, peft.PrefixTuningConfig(task_type=peft.TaskType.CAUSAL_LM, num_virtual_tokens=n_virtual,
                                                           prefix_projection=prefix_projection, **kwargs), seed)

    @property
    def transform(self):
        return getattr(self.encoder, "transform", None)


class PeftPromptTuning(_PeftPromptLearning):
    """peft prompt tuning (random initialisation) on the tiny GPT-2."""

    def __init__(self, config, state, n_virtual: int, token_dim: int | None = None, seed: int = 0) -> None:
        _, peft = libraries()
        kwargs = {} if token_dim is None else {"token_dim": token_dim}
        self._build(config, state, peft.PromptTuningConfig(task_type=peft.TaskType.CAUSAL_LM, num_virtual_tokens=n_virtual,
                                                           **kwargs), seed)


class _PeftIA3(_PeftLayer):
    """peft's (IA)³ layer (``IA3Config(target_modules=[<layer>], feedforward_modules=[<layer>] or [],
    fan_in_fan_out=...)``) speaking the ``ia3`` contract: ``ia3_l`` is peft's own parameter, (d_out, 1) for output
    scaling and (1, d_in) for a feed-forward (input-scaling) layer."""

    def _build(self, base, target: str, is_feedforward: bool, fan_in_fan_out: bool, seed: int) -> None:
        _, peft = libraries()
        self._wrap(base, peft.IA3Config(target_modules=[target], feedforward_modules=[target] if is_feedforward else [],
                                        fan_in_fan_out=fan_in_fan_out), seed)

    @property
    def ia3_l(self) -> torch.Tensor:
        return self.layer.ia3_l["default"]


class PeftIA3GPT2(_PeftIA3):
    """peft (IA)³ on block 0's Conv1D layer of the requested shape of a tiny GPT-2 (``attn.c_attn`` 32×96 as the
    paper's key/value scaling, ``mlp.c_proj`` 128×32 as its feed-forward scaling, and the other two), the base
    built with GPT-2's own initialisation from ``seed``.  A shape that is not one of GPT-2's Conv1D layers (d_in ≤ 0
    included) is refused by this adapter with a ValueError naming d_in and d_out: it has no such layer to adapt."""

    invariants_support = {"shape": tuple(CONV1D_TARGETS), "fan_in_fan_out": (True,)}

    def __init__(self, d_in: int, d_out: int, is_feedforward: bool = False, fan_in_fan_out: bool = True,
                 seed: int = 0) -> None:
        target = _gpt2_target(d_in, d_out, fan_in_fan_out)
        self._path = f"transformer.h.0.{target}"
        self._build(copy.deepcopy(gpt2_from_seed(seed)), target, is_feedforward, True, seed)


class PeftIA3Linear(_PeftIA3):
    """peft (IA)³ on a lone ``torch.nn.Linear(d_in, d_out)`` (fan_in_fan_out=False), any shape; d_in and d_out go
    to torch.nn.Linear unchecked."""

    invariants_support = {"fan_in_fan_out": (False,)}
    _path = "proj"

    def __init__(self, d_in: int, d_out: int, is_feedforward: bool = False, fan_in_fan_out: bool = False,
                 seed: int = 0) -> None:
        self._build(_linear_host(d_in, d_out, fan_in_fan_out, seed), "proj", is_feedforward, False, seed)
