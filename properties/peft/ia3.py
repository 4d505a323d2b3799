"""(IA)³: learned vectors that rescale activations elementwise (Liu et al., NeurIPS 2022, §3.3).

Contract (peft's ``IA3Layer`` with one adapter; no ecosystem standard exists for a lone (IA)³ layer, so this is the
smallest wrapper over a torch module that the reference and the peft adapters both satisfy)::

    ia3 = Cls(d_in, d_out, is_feedforward=False, fan_in_fan_out=False, seed=s)
    ia3(x)                # x: (..., d_in) float64 tensor → (..., d_out):
                          #   output scaling (the paper's l_k, l_v):     l ⊙ (W₀ x + b)
                          #   is_feedforward (the paper's l_ff ⊙ γ(W₁x) before W₂, i.e. W₂'s input): W₀ (l ⊙ x) + b
    ia3.base_layer        # the frozen base torch module: .weight W₀ stored (d_out, d_in), or (d_in, d_out) when
                          # fan_in_fan_out (GPT-2's Conv1D); .bias b (d_out,); live (writable in place)
    ia3.ia3_l             # the live learned vector l: shape (d_out, 1) for output scaling, (1, d_in) for a
                          # feed-forward layer (peft's shapes); ones at initialisation
    ia3.merge()           # output scaling: W₀ ← diag(l) W₀ (its rows) and b ← l ⊙ b;  feed-forward: W₀ ← W₀ diag(l)
                          # (its columns), b unchanged — in the stored layout; a second call changes nothing
    ia3.unmerge()         # divides l back out of W₀ (and b); where some l_i = 0 the merged row (column) is zero and
                          # W₀'s cannot be recovered: ValueError naming ia3_l, the layer left merged
    ia3.merge_and_unload() → torch.nn.Module   # a plain layer with l folded in, called like ia3; ia3 unchanged
    ia3.module            # the torch.nn.Module holding base layer and vector; requires_grad marks what trains

The output scaling covers the bias: l scales the layer's output W₀ x + b (the paper's models, T5, have no biases;
peft scales and merges the bias since its PR #972, where merging without it was found to change the function).
l is not changed while the layer is merged.  An implementation may compute in float32 (declared as its precision)
and returns its own dtype.  Bad input raises ``ValueError`` naming the parameter: d_in ≤ 0 (``d_in``), an input of
the wrong width (``x``) — including width 1, which a feed-forward layer's l ⊙ x would otherwise broadcast.

The checks overwrite W₀, b and l with drawn values (through the live tensors), read them back in the implementation's
own precision and compute what is right in float64 from those numbers.  l comes positive, signed, or with an entry
of 10⁻⁶ (a near-zero scale that unmerge must still divide out exactly); inputs come in random, integer-valued and
sign-symmetric flavours, 2-D and 3-D.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, Implementation, ImplementationFailure, Topic, assert_close,
                               assert_true, call, crosscheck, invariant, option)
from properties.peft.cases import (LAYER_SHAPES, LAYOUTS, UNIT, as_f64, dims, expect_rejection, layer_input,
                                   layer_probe, normal, trainable, unit, write)

PLACEMENTS = (False, True)
L_FLAVOURS = ("positive", "signed", "with_tiny")
TINY = 1e-6
_PEFT = "properties.adapters.peft_gpt2"


def _probe(axis: str):
    return layer_probe(axis, lambda impl, d_in, d_out, kw: impl(
        d_in, d_out, is_feedforward=kw["is_feedforward"], fan_in_fan_out=kw["fan_in_fan_out"], seed=0),
        {"is_feedforward": PLACEMENTS})


PEFT_UNMERGE_EPSILON = (
    "peft's unmerge divides by l + 1e-8 (tuners/ia3/layer.py Linear.unmerge, 'Add tolerace to avoid division by zero'; "
    "it warns 'Unmerge result can be inaccurate for (IA)^3'): where |l_i| is small the restored row (column) of W₀ is "
    "off by the factor l_i/(l_i + 1e-8) — 1 % at l_i = 1e-6 (peft 0.21.2)")
PEFT_UNMERGE_AT_ZERO = (
    "peft's unmerge does not refuse an l with zero entries: it divides by 0 + 1e-8 and leaves those rows (columns) of "
    "W₀ — and, for output scaling, of b — at 0, with only the generic 'can be inaccurate' warning; the layer's "
    "function is unchanged (l_i = 0 silences them anyway), but W₀ is lost and the channel's gradient stays 0 from "
    "then on (peft 0.21.2, tuners/ia3/layer.py Linear.unmerge)")
PEFT_WIDTH_RUNTIME_ERROR = (
    "peft's (IA)³ layer does not check the input width: a wrong width fails inside torch — the base layer's matmul or "
    "the broadcast l ⊙ x — with a RuntimeError, not a ValueError naming the input")
PEFT_FF_BROADCASTS_WIDTH_ONE = (
    "peft's feed-forward (IA)³ layer accepts an input of width 1: l ⊙ x broadcasts (…, 1) against l's d_in entries and "
    "the base layer then sees a width-d_in input, returning W₀ (l·x) + b for a scalar x instead of an error "
    "(peft 0.21.2, tuners/ia3/layer.py Linear.forward: x * ia3_scaling)")
TORCH_LINEAR_ACCEPTS_D_IN_ZERO = (
    "neither torch.nn.Linear nor peft checks d_in: Linear(0, d_out) builds a layer over an empty input (torch only "
    "warns that initialising a zero-element tensor is a no-op) and peft's IA3Config wraps it")
TORCH_LINEAR_NEGATIVE_D_IN = (
    "neither torch.nn.Linear nor peft checks d_in: Linear(-1, d_out) fails inside torch.empty with RuntimeError "
    "'Trying to create tensor with negative dimension', not a ValueError naming d_in")


def _width_records() -> tuple[Expected, ...]:
    inv = "ia3.rejects_bad_input"
    return (Expected(inv, PEFT_WIDTH_RUNTIME_ERROR, where="case x one column too wide",
                     when=lambda ex: ex["case"] == "x_wider", match="RuntimeError"),
            Expected(inv, PEFT_WIDTH_RUNTIME_ERROR, where="case x of width 1 on an output-scaling layer",
                     when=lambda ex: ex["case"] == "x_width_one" and not ex["is_feedforward"], match="RuntimeError"),
            Expected(inv, PEFT_FF_BROADCASTS_WIDTH_ONE, where="case x of width 1 on a feed-forward layer",
                     when=lambda ex: ex["case"] == "x_width_one" and ex["is_feedforward"], match="accepted"))


def _unmerge_records() -> tuple[Expected, ...]:
    return (Expected("ia3.merge_unmerge", PEFT_UNMERGE_EPSILON, where="l with one entry of 1e-6 (flavour with_tiny)",
                     when=lambda ex: ex["l_flavour"] == "with_tiny", match=r"after unmerge\(\)"),
            Expected("ia3.rejects_unmerge_at_zero", PEFT_UNMERGE_AT_ZERO,
                     where="every example of this invariant (l has entries equal to 0)",
                     when=lambda ex: ex["l_flavour"] == "with_zero", match="accepted"))


def _d_in_records() -> tuple[Expected, ...]:
    inv = "ia3.rejects_bad_input"
    return (Expected(inv, TORCH_LINEAR_ACCEPTS_D_IN_ZERO, where="case d_in = 0",
                     when=lambda ex: ex["case"] == "d_in_zero", match="accepted"),
            Expected(inv, TORCH_LINEAR_NEGATIVE_D_IN, where="case d_in = −1",
                     when=lambda ex: ex["case"] == "d_in_negative", match="RuntimeError"))


TOPIC = Topic(
    name="ia3",
    title="(IA)³: learned elementwise rescaling of a layer's output or input (merge, unmerge, unload)",
    contract=__doc__,
    reference="reference.peft.ia3:IA3Linear",
    implementations=[
        Implementation(f"{_PEFT}:PeftIA3GPT2", requires=("peft", "transformers"),
                       expected=_unmerge_records() + _width_records(),
                       note="peft (IA)³ on block 0's Conv1D layers of a tiny random GPT-2 (fan_in_fan_out=True): "
                            "attn.c_attn as output scaling, mlp.c_proj as feed-forward scaling, and either on the "
                            "others"),
        Implementation(f"{_PEFT}:PeftIA3Linear", requires=("peft", "transformers"),
                       expected=_unmerge_records() + _width_records() + _d_in_records(),
                       note="peft (IA)³ on a lone torch.nn.Linear"),
    ],
    axes=(Axis("shape", LAYER_SHAPES, "(d_in, d_out) of the adapted layer, as 'd_inxd_out'", probe=_probe("shape")),
          Axis("fan_in_fan_out", LAYOUTS, "the base weight stored (d_in, d_out) — GPT-2's Conv1D — instead of "
               "(d_out, d_in)", probe=_probe("fan_in_fan_out")),
          Axis("is_feedforward", PLACEMENTS, "l scales the layer's input (the paper's feed-forward vector, before "
               "W₂) instead of its output (the paper's key and value vectors)", probe=_probe("is_feedforward"))),
)

SOURCE = ("Liu et al., Few-Shot Parameter-Efficient Fine-Tuning is Better and Cheaper than In-Context Learning "
          "(NeurIPS 2022), §3.3")
PEFT_SOURCE = "peft 0.21 IA3Config (feedforward_modules: 'multiplied to the input, instead of the output')"
ALL_AXES = {"shape": None, "fan_in_fan_out": None, "is_feedforward": None}


def vector_shape(case) -> tuple[int, int]:
    return (1, case["d_in"]) if case["is_feedforward"] else (case["d_out"], 1)


def draw_l(seed: int, n: int, flavour: str) -> torch.Tensor:
    """n scales: positive (e^{N/2}), signed (± e^{N/2}), signed with one entry 1e-6 (with_tiny) or two exactly 0
    (with_zero)."""
    l = torch.exp(0.5 * normal(seed, n))
    if flavour != "positive":
        l = torch.where(normal(seed + 1, n) > 0, l, -l)
    if flavour == "with_tiny":
        l[0] = TINY
    elif flavour == "with_zero":
        l[0] = l[-1] = 0.0
    return l


@st.composite
def ia3_case(draw, *, with_values: bool = True, flavours: tuple[str, ...] = L_FLAVOURS):
    """A layer (shape, layout, placement, seed), an input x and — with_values — W₀, b and l to write."""
    shape = draw(option("shape", LAYER_SHAPES))
    d_in, d_out = dims(shape)
    case = {"shape": shape, "d_in": d_in, "d_out": d_out,
            "fan_in_fan_out": draw(option("fan_in_fan_out", LAYOUTS)),
            "is_feedforward": draw(option("is_feedforward", PLACEMENTS)),
            "seed": draw(st.integers(0, 2), label="seed")}
    data, case["x"] = layer_input(draw, d_in)
    if with_values:
        case["l_flavour"] = draw(st.sampled_from(flavours), label="l")
        case["W"] = normal(data + 1, d_out, d_in, scale=d_in ** -0.5)
        case["b"] = normal(data + 2, d_out, scale=0.5)
        n = d_in if case["is_feedforward"] else d_out
        case["l"] = draw_l(data + 3, n, case["l_flavour"]).reshape(vector_shape(case))
    return case


def build(impl, case):
    return call(impl, case["d_in"], case["d_out"], is_feedforward=case["is_feedforward"],
                fan_in_fan_out=case["fan_in_fan_out"], seed=case["seed"])


def base_weight(ia3, case) -> np.ndarray:
    """W₀ as (d_out, d_in), read through the base layer in its stored layout."""
    d_in, d_out = case["d_in"], case["d_out"]
    stored = (d_in, d_out) if case["fan_in_fan_out"] else (d_out, d_in)
    W = as_f64(ia3.base_layer.weight, name="base_layer.weight", shape=stored)
    return W.T if case["fan_in_fan_out"] else W


def base_bias(ia3, case) -> np.ndarray:
    return as_f64(ia3.base_layer.bias, name="base_layer.bias", shape=(case["d_out"],))


def vector(ia3, case) -> np.ndarray:
    """l as a flat float64 array, read through ``ia3_l`` in its contract shape."""
    return as_f64(ia3.ia3_l, name="ia3_l", shape=vector_shape(case)).reshape(-1)


def prepared(impl, case):
    """The layer with W₀, b, l overwritten by the case's values; returns (ia3, W₀, b, l) as read back."""
    ia3 = build(impl, case)
    W = case["W"].T.contiguous() if case["fan_in_fan_out"] else case["W"]
    write(ia3.base_layer.weight, W, name="base_layer.weight")
    write(ia3.base_layer.bias, case["b"], name="base_layer.bias")
    write(ia3.ia3_l, case["l"], name="ia3_l")
    return ia3, base_weight(ia3, case), base_bias(ia3, case), vector(ia3, case)


def output(fn, x: torch.Tensor, d_out: int, what: str) -> np.ndarray:
    with torch.no_grad():
        return as_f64(call(fn, x), name=what, shape=tuple(x.shape[:-1]) + (d_out,))


def expected_output(x: torch.Tensor, W, b, l=None, is_feedforward: bool = False) -> np.ndarray:
    """W₀x + b; with l: l ⊙ (W₀x + b) (output scaling) or W₀(l ⊙ x) + b (feed-forward)."""
    X = x.numpy()
    if l is None:
        return X @ W.T + b
    if is_feedforward:
        return (X * l) @ W.T + b
    return (X @ W.T + b) * l


def merged(W, b, l, is_feedforward: bool) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) with l folded in: W diag(l), b (feed-forward) or diag(l) W, l ⊙ b (output scaling)."""
    return (W * l[None, :], b) if is_feedforward else (l[:, None] * W, l * b)


def scaled_numbers(case) -> int:
    """The length of l: d_in for a feed-forward layer (its input), d_out otherwise (its output)."""
    return case["d_in"] if case["is_feedforward"] else case["d_out"]


def _close(got, want, what: str) -> None:
    u = unit(want)
    assert_close(got / u, want / u, what=what)


@invariant(TOPIC, "ia3.noop_at_init", statement="l = 1 at initialisation ⇒ ia3(x) = W₀ x + b",
           why="The vectors start at ones, so the adapted model is the pre-trained one until training moves them.",
           source=SOURCE, kind="tolerance", tolerance=UNIT, strategy=ia3_case(with_values=False), draws=ALL_AXES,
           max_examples=5)
def noop_at_init(impl, case):
    ia3 = build(impl, case)
    l = vector(ia3, case)
    assert_true(np.all(l == 1.0), f"ia3_l is not all ones at initialisation: {np.sum(l != 1.0)} of {l.size} entries "
                                  f"differ, max |l − 1| = {np.abs(l - 1).max():.3g}")
    y = output(ia3, case["x"], case["d_out"], "ia3(x)")
    _close(y, expected_output(case["x"], base_weight(ia3, case), base_bias(ia3, case)),
           "ia3(x) at initialisation vs W₀ x + b (output units)")


@invariant(TOPIC, "ia3.scaled_output",
           statement="ia3(x) = l ⊙ (W₀x + b) (output scaling) or W₀(l ⊙ x) + b (feed-forward)",
           why="(IA)³ rescales the keys and values (a projection's output, bias included) and the feed-forward "
               "activation γ(W₁x) before W₂ (the down-projection's input) elementwise by learned vectors.",
           source=f"{SOURCE}; {PEFT_SOURCE}", kind="tolerance", tolerance=UNIT, strategy=ia3_case(), draws=ALL_AXES,
           max_examples=10)
def scaled_output(impl, case):
    ia3, W, b, l = prepared(impl, case)
    y = output(ia3, case["x"], case["d_out"], "ia3(x)")
    form = "W₀(l ⊙ x) + b" if case["is_feedforward"] else "l ⊙ (W₀x + b)"
    _close(y, expected_output(case["x"], W, b, l, case["is_feedforward"]), f"ia3(x) vs {form} (output units)")


@invariant(TOPIC, "ia3.merge_unmerge",
           statement="merge(): W₀ ← diag(l)W₀, b ← l⊙b (or W₀ ← W₀diag(l)), idempotent, output unchanged; "
                     "unmerge() restores W₀, b",
           why="The vectors fold into the weight — rows for an output scale, columns for an input scale, the bias with "
               "the output — so inference costs nothing extra; a second merge must not scale again, and unmerging must "
               "give back the frozen weight exactly (W₀ l / l), however small a nonzero l_i is.",
           source=f"{SOURCE} (the vectors can be folded into the weight matrices); peft IA3Layer.merge / unmerge",
           kind="tolerance", tolerance=UNIT, strategy=ia3_case(), draws=ALL_AXES, max_examples=10)
def merge_unmerge(impl, case):
    ia3, W0, b0, l = prepared(impl, case)
    x, d_out, ff = case["x"], case["d_out"], case["is_feedforward"]
    y0 = output(ia3, x, d_out, "ia3(x) before merge")
    Wm, bm = merged(W0, b0, l, ff)
    for step in ("merge()", "a second merge()"):
        call(ia3.merge)
        _close(base_weight(ia3, case), Wm, f"W after {step} vs {'W₀ diag(l)' if ff else 'diag(l) W₀'} (weight units)")
        _close(base_bias(ia3, case), bm, f"b after {step} vs {'b' if ff else 'l ⊙ b'} (bias units)")
        _close(output(ia3, x, d_out, "ia3(x) merged"), y0, f"ia3(x) after {step} vs unmerged (output units)")
    call(ia3.unmerge)
    _close(base_weight(ia3, case), W0, "W after unmerge() vs W₀ (weight units)")
    _close(base_bias(ia3, case), b0, "b after unmerge() vs b (bias units)")
    _close(output(ia3, x, d_out, "ia3(x) unmerged"), y0, "ia3(x) after unmerge() (output units)")


@invariant(TOPIC, "ia3.merge_and_unload",
           statement="m = merge_and_unload(): m(x) = ia3(x), m has d_in·d_out + d_out parameters, ia3 unchanged",
           why="Unloading returns the plain base layer with l folded in: the same function, no vector left, and (in "
               "this contract) the adapted layer itself is not consumed.",
           source=f"{SOURCE}; peft IA3Model.merge_and_unload", kind="tolerance", tolerance=UNIT, strategy=ia3_case(),
           draws=ALL_AXES, max_examples=5)
def merge_and_unload(impl, case):
    ia3, W0, b0, l = prepared(impl, case)
    x, d_in, d_out = case["x"], case["d_in"], case["d_out"]
    y = output(ia3, x, d_out, "ia3(x)")
    plain = call(ia3.merge_and_unload)
    assert_true(isinstance(plain, torch.nn.Module), f"merge_and_unload() returned {type(plain).__name__}, not a module")
    count = sum(p.numel() for p in call(plain.parameters))
    assert_true(count == d_in * d_out + d_out, f"the unloaded layer has {count} parameters, expected "
                f"d_in·d_out + d_out = {d_in * d_out + d_out} (no vector left)")
    _close(output(plain, x, d_out, "merge_and_unload()(x)"), y, "unloaded layer(x) vs ia3(x) (output units)")
    _close(base_weight(ia3, case), W0, "ia3's W₀ after merge_and_unload() (weight units)")
    _close(base_bias(ia3, case), b0, "ia3's b after merge_and_unload() (bias units)")
    _close(output(ia3, x, d_out, "ia3(x) afterwards"), y, "ia3(x) after merge_and_unload() (output units)")


@invariant(TOPIC, "ia3.only_vector_trains",
           statement="trainable = {l}; ∂L/∂W₀ = ∂L/∂b = none; ∂L/∂l = Σₙ Gₙ ⊙ (W₀xₙ + b), or Σₙ xₙ ⊙ (W₀ᵀGₙ) "
                     "(feed-forward)",
           why="The pre-trained model is frozen and only the vectors learn; for L = Σ G ⊙ ia3(X) their gradient is "
               "the chain rule through the elementwise scale.",
           source=SOURCE, kind="tolerance", tolerance=UNIT, strategy=ia3_case(), draws=ALL_AXES, max_examples=5)
def only_vector_trains(impl, case):
    ia3, W0, b0, l = prepared(impl, case)
    params = trainable(ia3.module, name="module")
    named = {id(p): n for n, p in params}
    assert_true(set(named) == {id(ia3.ia3_l)},
                f"the trainable parameters are {sorted(named.values())}, expected exactly ia3_l")
    for p in call(ia3.module.parameters):
        p.grad = None
    x, d_in, d_out = case["x"], case["d_in"], case["d_out"]
    G = torch.cos(torch.arange(x.numel() // d_in * d_out, dtype=torch.float64)).reshape(tuple(x.shape[:-1]) + (d_out,))
    y = call(ia3, x)
    if not isinstance(y, torch.Tensor):
        raise ImplementationFailure(f"ia3(x) returned {type(y).__name__}, not a tensor")
    assert_true(y.requires_grad, "ia3(x) carries no autograd graph: no gradient can reach ia3_l")
    (y.to(torch.float64) * G).sum().backward()
    for name in ("weight", "bias"):
        grad = getattr(ia3.base_layer, name).grad
        assert_true(grad is None or not torch.any(grad), f"the frozen base_layer.{name} received a gradient")
    X, Gm = x.reshape(-1, d_in).numpy(), G.reshape(-1, d_out).numpy()
    want = (X * (Gm @ W0)).sum(0) if case["is_feedforward"] else (Gm * (X @ W0.T + b0)).sum(0)
    assert_true(ia3.ia3_l.grad is not None, "ia3_l received no gradient")
    got = as_f64(ia3.ia3_l.grad, name="ia3_l.grad", shape=vector_shape(case)).reshape(-1)
    _close(got, want, "∂L/∂l (gradient units)")


@invariant(TOPIC, "ia3.trainable_count",
           statement="Σ numel(trainable parameters) = d_out (output scaling) or d_in (feed-forward)",
           why="One scale per rescaled activation and nothing else trains: the paper's memory argument (l_k, l_v, "
               "l_ff per block, about 0.01 % of T0's parameters) rests on this count.",
           source=SOURCE, kind="exact", strategy=ia3_case(with_values=False), draws=ALL_AXES, max_examples=5)
def trainable_count(impl, case):
    ia3 = build(impl, case)
    n = sum(p.numel() for _, p in trainable(ia3.module, name="module"))
    want = scaled_numbers(case)
    where = "d_in (feed-forward: the input is scaled)" if case["is_feedforward"] else "d_out (the output is scaled)"
    assert_true(n == want, f"{n} trainable numbers, expected {where} = {want}")


@invariant(TOPIC, "ia3.rejects_unmerge_at_zero",
           statement="some l_i = 0 after merge() → unmerge() raises ValueError naming ia3_l; W, b, ia3(x) stay merged",
           why="Merging multiplies a row (column) of W₀ by l_i; at l_i = 0 it is gone, and dividing by 0 (or by a "
               "guard ε) cannot bring it back: a silent unmerge would hand back a weight that is not W₀.",
           source="this contract (module docstring)", kind="tolerance", category="validation", tolerance=UNIT,
           strategy=ia3_case(flavours=("with_zero",)), draws=ALL_AXES, max_examples=4)
def rejects_unmerge_at_zero(impl, case):
    ia3, W0, b0, l = prepared(impl, case)
    x, d_out = case["x"], case["d_out"]
    y0 = output(ia3, x, d_out, "ia3(x) before merge")
    call(ia3.merge)
    Wm, bm = merged(W0, b0, l, case["is_feedforward"])
    _close(output(ia3, x, d_out, "ia3(x) merged"), y0, "ia3(x) merged vs unmerged, l with zeros (output units)")
    zeros = int(np.sum(l == 0))
    expect_rejection(lambda: ia3.unmerge(), "ia3_l", f"unmerge() after merging an l with {zeros} entries equal to 0")
    _close(base_weight(ia3, case), Wm, "W after the refused unmerge() vs the merged W (weight units)")
    _close(base_bias(ia3, case), bm, "b after the refused unmerge() vs the merged b (bias units)")
    _close(output(ia3, x, d_out, "ia3(x) after the refused unmerge()"), y0, "ia3(x) after the refused unmerge()")


BAD_CASES = ("d_in_zero", "d_in_negative", "x_wider", "x_width_one")
BAD_SHAPES = ("3x7", "32x96")


@st.composite
def bad_case(draw):
    """One bad input per example; the drawn space (case × shape × layout × placement) is enumerated."""
    shape = draw(option("shape", BAD_SHAPES))
    d_in, d_out = dims(shape)
    return {"case": draw(st.sampled_from(BAD_CASES), label="case"), "shape": shape, "d_in": d_in, "d_out": d_out,
            "fan_in_fan_out": draw(option("fan_in_fan_out", LAYOUTS)),
            "is_feedforward": draw(option("is_feedforward", PLACEMENTS)), "seed": 0}


@invariant(TOPIC, "ia3.rejects_bad_input",
           statement="d_in ≤ 0 → ValueError naming d_in; x of width ≠ d_in (d_in + 1, or 1) → ValueError naming x",
           why="A layer needs a positive input width; an input of another width is a caller's mistake that must be "
               "named — not a matmul error deep inside, nor a width-1 input silently broadcast against l.",
           source="this contract (module docstring)", kind="exact", category="validation", strategy=bad_case(),
           draws={"shape": BAD_SHAPES, "fan_in_fan_out": None, "is_feedforward": None}, max_examples=40)
def rejects_bad_input(impl, case):
    kind, d_in, d_out = case["case"], case["d_in"], case["d_out"]
    kwargs = dict(is_feedforward=case["is_feedforward"], fan_in_fan_out=case["fan_in_fan_out"], seed=case["seed"])
    if kind in ("d_in_zero", "d_in_negative"):
        bad = 0 if kind == "d_in_zero" else -1
        expect_rejection(lambda: impl(bad, d_out, **kwargs), "d_in", f"d_in = {bad}")
        return
    ia3 = build(impl, case)
    width = d_in + 1 if kind == "x_wider" else 1
    x = torch.ones(2, width, dtype=torch.float64)
    expect_rejection(lambda: ia3(x), "x", f"ia3(x) with x of width {width} ≠ d_in = {d_in}")


@st.composite
def crosscheck_case(draw):
    """GPT-2's c_attn (32×96) and mlp.c_proj (128×32), each as output and as feed-forward scaling: the drawn space
    is these four placements (× the layout the pair shares), enumerated; the numbers are fixed per placement."""
    shape = draw(option("shape", ("32x96", "128x32")))
    d_in, d_out = dims(shape)
    case = {"shape": shape, "d_in": d_in, "d_out": d_out, "fan_in_fan_out": draw(option("fan_in_fan_out", LAYOUTS)),
            "is_feedforward": draw(option("is_feedforward", PLACEMENTS)), "seed": 0, "l_flavour": "signed"}
    data = 100 * d_in + 10 * case["is_feedforward"]
    case["x"] = normal(data, 2, 3, d_in)
    case["W"] = normal(data + 1, d_out, d_in, scale=d_in ** -0.5)
    case["b"] = normal(data + 2, d_out, scale=0.5)
    case["l"] = draw_l(data + 3, scaled_numbers(case), "signed").reshape(vector_shape(case))
    return case


@crosscheck(TOPIC, "ia3.crosscheck.peft",
            statement="same W₀, b, l: ia3(x), ∂L/∂l, merge_and_unload()(x) and W, b after merge and unmerge agree "
                      "with peft",
            why="peft is the ecosystem's (IA)³; on the same numbers, the reference and peft must compute the same "
                "layer in either weight layout (GPT-2's Conv1D scales the stored weight's columns for an output "
                "scale and its rows for an input scale).",
            source=f"{SOURCE}; peft 0.21 tuners/ia3/layer.py (Linear.forward, merge, unmerge)", tolerance=UNIT,
            strategy=crosscheck_case(), draws={"shape": ("32x96", "128x32"), "fan_in_fan_out": None,
                                               "is_feedforward": None},
            pairs=[("reference.peft.ia3:IA3Linear", f"{_PEFT}:PeftIA3GPT2"),
                   ("reference.peft.ia3:IA3Linear", f"{_PEFT}:PeftIA3Linear")], max_examples=8)
def crosscheck_peft(ref, lib, case):
    a, b = prepared(ref, case)[0], prepared(lib, case)[0]
    x, d_out = case["x"], case["d_out"]
    G = torch.sin(torch.arange(x.numel() // case["d_in"] * d_out, dtype=torch.float64)).reshape(
        tuple(x.shape[:-1]) + (d_out,))
    grads = []
    for layer, who in ((a, "reference"), (b, "peft")):
        y = call(layer, x)
        (y.to(torch.float64) * G).sum().backward()
        grads.append(as_f64(layer.ia3_l.grad, name=f"{who} ia3_l.grad", shape=vector_shape(case)))
    _close(grads[1], grads[0], "∂L/∂l: peft vs reference (gradient units)")
    ya = output(a, x, d_out, "reference ia3(x)")
    _close(output(b, x, d_out, "peft ia3(x)"), ya, "ia3(x): peft vs reference (output units)")
    pa, pb = call(a.merge_and_unload), call(b.merge_and_unload)
    _close(output(pb, x, d_out, "peft unloaded(x)"), output(pa, x, d_out, "reference unloaded(x)"),
           "merge_and_unload()(x): peft vs reference (output units)")
    for step in ("merge", "unmerge"):
        call(getattr(a, step))
        call(getattr(b, step))
        _close(base_weight(b, case), base_weight(a, case), f"W after {step}(): peft vs reference (weight units)")
        _close(base_bias(b, case), base_bias(a, case), f"b after {step}(): peft vs reference (bias units)")
