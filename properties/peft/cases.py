"""What the PEFT topics share: tolerances, strategies for token ids, and helpers that read and write an
implementation's tensors through the contract (every call into its code goes through ``call``)."""
from __future__ import annotations

import itertools
import re
from typing import Any, Callable

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import (ImplementationFailure, InvariantViolation, Tolerance, assert_true, call, expect_array)
from properties.peft.host import CONFIG, SEEDS, base_config, base_state

F64 = torch.float64

# ------------------------------------------------------------------------------------------- tolerances
#
# Outputs are compared in their own unit: divided by the largest magnitude of the expected value, so one bound serves
# logits of size 10 and layer outputs of size 0.1 alike.

UNIT = Tolerance(atol=1e-5, reason="float32: rounding accumulates through the layer or the two blocks to a few ε₃₂ "
                 "(1.2e-7) of the output's largest magnitude — measured ≤ 5e-7 for peft on GPT-2; 1e-5 leaves a factor 20",
                 float64=Tolerance(atol=1e-12, reason="float64: the same accumulation at ε₆₄ (2.2e-16) — measured ≤ "
                                   "1.3e-15 for the reference; 1e-12 leaves a factor of several hundred"))


def unit(x: np.ndarray) -> float:
    """The largest magnitude of ``x`` (1 for an all-zero array)."""
    m = float(np.abs(x).max(initial=0.0))
    return m if m > 0 else 1.0


def as_f64(x: Any, *, name: str, shape: tuple | None = None) -> np.ndarray:
    return expect_array(x, name=name, shape=shape).astype(np.float64)


# ------------------------------------------------------------------------------------------- random tensors


def normal(seed: int, *shape: int, scale: float = 1.0) -> torch.Tensor:
    """N(0, scale²) float64 values from ``torch.Generator().manual_seed(seed)``."""
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


# ------------------------------------------------------------------------------------------- one adapted layer

#: the adapted layer's (d_in, d_out) as "d_inxd_out": tiny and one-input layers, and GPT-2's four Conv1D shapes
LAYER_SHAPES = ("3x7", "7x3", "1x4", "32x96", "32x32", "32x128", "128x32")
#: the base weight stored (d_out, d_in), or (d_in, d_out) as GPT-2's Conv1D does (fan_in_fan_out)
LAYOUTS = (False, True)


def dims(shape: str) -> tuple[int, int]:
    d_in, d_out = shape.split("x")
    return int(d_in), int(d_out)


def layer_probe(axis: str, build: Callable[[Any, int, int, dict], Any], others: dict[str, tuple]):
    """The ``invariants probe`` of an adapted layer's option ``axis``: build a layer with ``axis = value`` and the
    first combination of the other axes (shape, layout and ``others``) the implementation accepts — a ValueError for
    every combination means the value is unsupported — and call it once."""
    def probe(impl, value):
        grid = {"shape": LAYER_SHAPES, "fan_in_fan_out": LAYOUTS, **others}
        refused = None
        for combination in itertools.product(*grid.values()):
            kw = {**dict(zip(grid, combination)), axis: value}
            d_in, d_out = dims(kw["shape"])
            try:
                layer = build(impl, d_in, d_out, kw)
            except ValueError as exc:
                refused = exc
                continue
            call(layer, torch.zeros(2, d_in, dtype=F64))
            return
        raise refused
    return probe


def layer_input(draw, d_in: int, *, name: str = "x", batches=((3,), (2, 2))) -> tuple[int, torch.Tensor]:
    """A seed for the layer's own values, and an input ``name`` of ``d_in`` columns in a 2-D or 3-D batch (leading
    shapes ``batches``): random, integer-valued or sign-symmetric (each row's negation beside it)."""
    data = draw(st.integers(0, 2**16), label="data_seed")
    lead = draw(st.sampled_from(batches), label="batch_shape")
    flavour = draw(st.sampled_from(("normal", "integer", "sign_symmetric")), label=name)
    x = normal(data, *lead, d_in)
    if flavour == "integer":
        x = torch.round(3 * x)
    elif flavour == "sign_symmetric":
        x = torch.cat([x[..., :1, :], -x[..., :1, :]], dim=-2)
    return data, x


def write(param: Any, value: torch.Tensor, *, name: str) -> None:
    """Overwrite a live parameter of the implementation in place (``copy_`` casts to its dtype)."""
    if not isinstance(param, torch.Tensor):
        raise ImplementationFailure(f"{name}: expected a live torch tensor, got {type(param).__name__}")
    if tuple(param.shape) != tuple(value.shape):
        raise ImplementationFailure(f"{name}: expected shape {tuple(value.shape)}, got {tuple(param.shape)}")
    with torch.no_grad():
        param.copy_(value)


def trainable(module: Any, *, name: str = "module") -> list[tuple[str, torch.Tensor]]:
    """(name, parameter) of every parameter of the implementation's module with requires_grad."""
    if not isinstance(module, torch.nn.Module):
        raise ImplementationFailure(f"{name}: expected a torch.nn.Module, got {type(module).__name__}")
    return [(n, p) for n, p in call(module.named_parameters) if p.requires_grad]


def expect_rejection(fn: Callable[[], Any], name: str, what: str) -> None:
    """``fn()`` must raise a ValueError whose message names ``name`` (as a word)."""
    try:
        out = fn()
    except ValueError as exc:
        named = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", str(exc)) is not None
        assert_true(named, f"{what}: ValueError({str(exc)[:200]!r}) does not name the parameter {name}")
        return
    except Exception as exc:  # noqa: BLE001 — any other exception is the implementation's answer, judged here
        raise InvariantViolation(f"{what}: raised {type(exc).__name__}({str(exc)[:160]}) instead of a ValueError "
                                 f"naming {name}") from None
    raise InvariantViolation(f"{what}: accepted and returned {type(out).__name__}; expected a ValueError naming {name}")


# ------------------------------------------------------------------------------------------- the host and tokens


@st.composite
def token_ids(draw, max_len: int = 6) -> torch.Tensor:
    """(B, T) int64 ids, B ∈ {1, 2}, 1 ≤ T ≤ max_len: random, repeated-token and the id 0 (bos = eos) flavours."""
    B = draw(st.integers(1, 2), label="batch")
    T = draw(st.integers(1, max_len), label="T")
    flavour = draw(st.sampled_from(("random", "repeated", "with_zero")), label="ids")
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**16), label="ids_seed"))
    ids = torch.randint(0, CONFIG["vocab_size"], (B, T), generator=g)
    if flavour == "repeated":
        ids = ids[:, :1].expand(B, T).clone()
    elif flavour == "with_zero":
        ids[:, 0] = 0
    return ids


def host(seed: int) -> tuple[dict, dict]:
    """(config, a fresh float32 state dict) of the tiny GPT-2 host for ``seed``."""
    return base_config(), base_state(seed)


HOST_SEEDS = st.sampled_from(SEEDS)


def logits_of(fn: Callable, input_ids: torch.Tensor, rows: int, *, what: str) -> np.ndarray:
    """An implementation's logits (B, rows, V) as float64, called without autograd."""
    with torch.no_grad():
        out = call(fn, input_ids)
    return as_f64(out, name=what, shape=(input_ids.shape[0], rows, CONFIG["vocab_size"]))


def generation(obj: Any, input_ids: torch.Tensor, n: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """``obj.generate(input_ids, n)`` → (sequences (B, T + n) ints, n score rows (B, V))."""
    with torch.no_grad():
        out = call(obj.generate, input_ids, n)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise ImplementationFailure(f"generate() must return (sequences, scores), got {type(out).__name__}")
    B, T = input_ids.shape
    seq = expect_array(out[0], name="generate() sequences", shape=(B, T + n), dtype_kind="iu")
    if len(out[1]) != n:
        raise ImplementationFailure(f"generate(): {len(out[1])} score rows for {n} new tokens")
    scores = [as_f64(s, name=f"generate() scores[{k}]", shape=(B, CONFIG["vocab_size"])) for k, s in enumerate(out[1])]
    return seq, scores
