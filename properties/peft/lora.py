"""LoRA: low-rank adaptation of one linear layer (Hu et al., ICLR 2022), rsLoRA scaling (Kalajdzievski 2023).

Contract (peft's ``LoraLayer`` with one adapter; no ecosystem standard exists for a lone LoRA layer, so this is the
smallest wrapper over a torch module that the reference and the peft adapters both satisfy)::

    lora = Cls(d_in, d_out, r=r, lora_alpha=α, use_rslora=False, fan_in_fan_out=False, seed=s)
    lora(x)               # x: (..., d_in) float64 tensor → (..., d_out): W₀ x + b + s · B A x  (no dropout)
    lora.base_layer       # the frozen base torch module: .weight W₀ stored (d_out, d_in), or (d_in, d_out) when
                          # fan_in_fan_out (GPT-2's Conv1D); .bias b (d_out,); live (writable in place)
    lora.lora_A           # live parameter (r, d_in), uniform at initialisation
    lora.lora_B           # live parameter (d_out, r), zero at initialisation
    lora.scaling          # s = α / r, or α / √r with use_rslora
    lora.merge()          # W₀ ← W₀ + s·B A in the stored layout; a second call changes nothing
    lora.unmerge()        # W₀ ← W₀ − s·B A
    lora.merge_and_unload() → torch.nn.Module   # a plain layer (W₀ + s·B A, b), called like lora; lora unchanged
    lora.module           # the torch.nn.Module holding base layer and factors; requires_grad marks what trains

An implementation may compute in float32 (declared as its precision) and returns its own dtype.  Bad input raises
``ValueError`` naming the parameter: r ≤ 0 or r > min(d_in, d_out) (``r``; rank(B A) ≤ min(d_in, d_out), so a larger
r only adds parameters that cannot add rank), an input of the wrong width (``x``).

The checks overwrite W₀, b, A and B with drawn values (through the live tensors), read them back in the
implementation's own precision and compute what is right in float64 from those numbers.  Inputs come in random,
integer-valued and sign-symmetric flavours, 2-D and 3-D.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import (Axis, Expected, Implementation, ImplementationFailure, Tolerance, Topic, assert_close,
                               assert_leq, assert_true, call, crosscheck, expect_array, invariant, option)
from properties.oracles.attention import lora_scaling, lora_trainable
from properties.peft.cases import (LAYER_SHAPES, LAYOUTS, UNIT, as_f64, dims, expect_rejection, layer_input,
                                   layer_probe, normal, trainable, unit, write)

RSLORA = (False, True)
ALPHAS = (1.0, 8.0, 16.0)
_PEFT = "properties.adapters.peft_gpt2"


def _probe(axis: str):
    return layer_probe(axis, lambda impl, d_in, d_out, kw: impl(
        d_in, d_out, r=1, lora_alpha=1.0, use_rslora=kw["use_rslora"], fan_in_fan_out=kw["fan_in_fan_out"], seed=0),
        {"use_rslora": (False,)})


PEFT_ACCEPTS_LARGE_R = (
    "peft does not reject r > min(d_in, d_out): LoraConfig(r=200) on GPT-2's 32×96 c_attn builds A (200, 32) and "
    "B (96, 200), 200·128 trainable numbers for a ΔW of rank ≤ 32 (peft 0.21.2, tuners/lora/layer.py update_layer "
    "checks only r > 0) — a missing validation, not a wrong result")
PEFT_WIDTH_RUNTIME_ERROR = (
    "peft's LoRA layer does not check the input width: an input of d_in + 1 columns fails inside torch's matmul with "
    "RuntimeError 'mat1 and mat2 shapes cannot be multiplied', not a ValueError naming the input")


def _peft_records(inv: str = "lora.rejects_bad_input") -> tuple[Expected, ...]:
    return (Expected(inv, PEFT_ACCEPTS_LARGE_R, where="case r > min(d_in, d_out)",
                     when=lambda ex: ex["case"] == "r_above_min", match="accepted"),
            Expected(inv, PEFT_WIDTH_RUNTIME_ERROR, where="case x of the wrong width",
                     when=lambda ex: ex["case"] == "x_width", match="RuntimeError"))


TOPIC = Topic(
    name="lora",
    title="LoRA: low-rank adaptation of a linear layer (α/r and rsLoRA α/√r scaling, merge, unmerge, unload)",
    contract=__doc__,
    reference="reference.peft.lora:LoRALinear",
    implementations=[
        Implementation(f"{_PEFT}:PeftLoraGPT2", requires=("peft", "transformers"), expected=_peft_records(),
                       note="peft LoRA on block 0's Conv1D layers of a tiny random GPT-2 (fan_in_fan_out=True)"),
        Implementation(f"{_PEFT}:PeftLoraLinear", requires=("peft", "transformers"), expected=_peft_records(),
                       note="peft LoRA on a lone torch.nn.Linear"),
    ],
    axes=(Axis("shape", LAYER_SHAPES, "(d_in, d_out) of the adapted layer, as 'd_inxd_out'", probe=_probe("shape")),
          Axis("fan_in_fan_out", LAYOUTS, "the base weight stored (d_in, d_out) — GPT-2's Conv1D — instead of "
               "(d_out, d_in)", probe=_probe("fan_in_fan_out")),
          Axis("use_rslora", RSLORA, "rank-stabilised scaling α/√r instead of α/r", probe=_probe("use_rslora"))),
)

SOURCE = "Hu et al., LoRA: Low-Rank Adaptation of Large Language Models (ICLR 2022), §4.1, eq. 3"
RSLORA_SOURCE = "Kalajdzievski, A Rank Stabilization Scaling Factor for Fine-Tuning with LoRA (2023), Theorem 3.2"
RANK = Tolerance(atol=1e-4, reason="float32: ΔW is read as the difference of two float32 outputs, whose rounding "
                 "(~ε₃₂·√d_in of the output's magnitude, ≤ 1.5e-6) lands in every singular value; the (r+1)-th "
                 "singular value relative to the largest is that noise, 1e-4 leaves a factor 60",
                 float64=Tolerance(atol=1e-10, reason="float64: the same noise at ε₆₄·√d_in ≤ 3e-15"))


@st.composite
def lora_case(draw, *, with_factors: bool = True):
    """A layer (shape, layout, scaling, r, α, seed), an input x and — with_factors — W₀, b, A, B to write."""
    shape = draw(option("shape", LAYER_SHAPES))
    d_in, d_out = dims(shape)
    case = {"shape": shape, "d_in": d_in, "d_out": d_out,
            "fan_in_fan_out": draw(option("fan_in_fan_out", LAYOUTS)), "use_rslora": draw(option("use_rslora", RSLORA)),
            "r": draw(st.integers(1, min(d_in, d_out, 8)), label="r"),
            "lora_alpha": draw(st.sampled_from(ALPHAS), label="lora_alpha"),
            "seed": draw(st.integers(0, 2), label="seed")}
    data, case["x"] = layer_input(draw, d_in)
    if with_factors:
        r = case["r"]
        case["W"] = normal(data + 1, d_out, d_in, scale=d_in ** -0.5)
        case["b"] = normal(data + 2, d_out, scale=0.5)
        case["A"] = normal(data + 3, r, d_in, scale=d_in ** -0.5)
        case["B"] = normal(data + 4, d_out, r, scale=r ** -0.5)
    return case


def build(impl, case):
    return call(impl, case["d_in"], case["d_out"], r=case["r"], lora_alpha=case["lora_alpha"],
                use_rslora=case["use_rslora"], fan_in_fan_out=case["fan_in_fan_out"], seed=case["seed"])


def base_weight(lora, case) -> np.ndarray:
    """W₀ as (d_out, d_in), read through the base layer in its stored layout."""
    d_in, d_out = case["d_in"], case["d_out"]
    stored = (d_in, d_out) if case["fan_in_fan_out"] else (d_out, d_in)
    W = as_f64(lora.base_layer.weight, name="base_layer.weight", shape=stored)
    return W.T if case["fan_in_fan_out"] else W


def factors(lora, case) -> tuple[np.ndarray, np.ndarray]:
    return (as_f64(lora.lora_A, name="lora_A", shape=(case["r"], case["d_in"])),
            as_f64(lora.lora_B, name="lora_B", shape=(case["d_out"], case["r"])))


def prepared(impl, case):
    """The layer with W₀, b, A, B overwritten by the case's values; returns (lora, W₀, b, A, B) as read back."""
    lora = build(impl, case)
    W = case["W"].T.contiguous() if case["fan_in_fan_out"] else case["W"]
    write(lora.base_layer.weight, W, name="base_layer.weight")
    write(lora.base_layer.bias, case["b"], name="base_layer.bias")
    write(lora.lora_A, case["A"], name="lora_A")
    write(lora.lora_B, case["B"], name="lora_B")
    A, B = factors(lora, case)
    return lora, base_weight(lora, case), as_f64(lora.base_layer.bias, name="base_layer.bias", shape=(case["d_out"],)), A, B


def output(fn, x: torch.Tensor, d_out: int, what: str) -> np.ndarray:
    with torch.no_grad():
        return as_f64(call(fn, x), name=what, shape=tuple(x.shape[:-1]) + (d_out,))


def expected_output(x: torch.Tensor, W, b, A=None, B=None, s: float = 0.0) -> np.ndarray:
    X = x.numpy()
    y = X @ W.T + b
    return y if A is None else y + s * (X @ A.T) @ B.T


def scaling_of(case) -> float:
    return lora_scaling(case["lora_alpha"], case["r"], case["use_rslora"])


@invariant(TOPIC, "lora.noop_at_init", statement="B = 0 at initialisation ⇒ lora(x) = W₀ x + b",
           why="B starts at zero, so ΔW = s·B A = 0 and training starts exactly from the pre-trained layer.",
           source=f"{SOURCE} (“zero for B, so ΔW = BA is zero at the beginning of training”)", kind="tolerance",
           tolerance=UNIT, strategy=lora_case(with_factors=False),
           draws={"shape": None, "fan_in_fan_out": None, "use_rslora": None}, max_examples=5)
def noop_at_init(impl, case):
    lora = build(impl, case)
    A, B = factors(lora, case)
    assert_true(not np.any(B), f"lora_B is not zero at initialisation: max |B| = {np.abs(B).max():.3g}")
    assert_true(np.any(A), "lora_A is all zero at initialisation: B A would never move (the gradient of B is s·xAᵀ…)")
    W, b = base_weight(lora, case), as_f64(lora.base_layer.bias, name="base_layer.bias", shape=(case["d_out"],))
    y, want = output(lora, case["x"], case["d_out"], "lora(x)"), expected_output(case["x"], W, b)
    assert_close(y / unit(want), want / unit(want), what="lora(x) at initialisation vs W₀ x + b (output units)")


@invariant(TOPIC, "lora.delta_is_scaled_low_rank",
           statement="lora(x) − (W₀x + b) = s·B A x with s = α/r (α/√r rsLoRA), and rank(ΔW) ≤ r",
           why="The update is the product of an (r × d_in) and a (d_out × r) factor, scaled by α/r so that the "
               "learning rate need not be retuned when r changes (α/√r keeps the update's magnitude stable in r).",
           source=f"{SOURCE}; {RSLORA_SOURCE}", kind="tolerance", tolerance={"default": UNIT, "rank": RANK},
           strategy=lora_case(), draws={"shape": None, "fan_in_fan_out": None, "use_rslora": None}, max_examples=8)
def delta_is_scaled_low_rank(impl, case):
    lora, W, b, A, B = prepared(impl, case)
    s = scaling_of(case)
    scaling = float(expect_array(lora.scaling, name="scaling"))
    assert_close(np.array(scaling / s), np.array(1.0), what=f"scaling / (α/{'√r' if case['use_rslora'] else 'r'})")
    y, want = output(lora, case["x"], case["d_out"], "lora(x)"), expected_output(case["x"], W, b, A, B, s)
    assert_close(y / unit(want), want / unit(want), what="lora(x) vs W₀x + b + s·B A x (output units)")
    eye = torch.eye(case["d_in"], dtype=torch.float64)
    delta = output(lora, eye, case["d_out"], "lora(I)") - expected_output(eye, W, b)       # rows: ΔWᵀ
    sv = np.linalg.svd(delta, compute_uv=False)
    if case["r"] < len(sv) and sv[0] > 0:
        assert_leq(float(sv[case["r"]] / sv[0]), 0.0, tol="rank",
                   what=f"σ_(r+1)/σ_1 of the forward's ΔW (r = {case['r']}; rank(ΔW) ≤ r)")


@invariant(TOPIC, "lora.merge_unmerge",
           statement="merge(): W₀ ← W₀ + s·B A (idempotent), output unchanged; unmerge() restores W₀",
           why="Merging folds the low-rank update into the base weight for latency-free inference; it must not change "
               "the function, a second merge must not add it again, and unmerging must give back the frozen weight.",
           source=f"{SOURCE} (“we can explicitly compute and store W = W₀ + BA … recover W₀ by subtracting BA”)",
           kind="tolerance", tolerance=UNIT, strategy=lora_case(),
           draws={"shape": None, "fan_in_fan_out": None, "use_rslora": None}, max_examples=8)
def merge_unmerge(impl, case):
    lora, W0, b, A, B = prepared(impl, case)
    x, d_out, s = case["x"], case["d_out"], scaling_of(case)
    y0 = output(lora, x, d_out, "lora(x) before merge")
    u, w = unit(y0), unit(W0 + s * B @ A)
    call(lora.merge)
    assert_close(base_weight(lora, case) / w, (W0 + s * B @ A) / w, what="W after merge() vs W₀ + s·B A (weight units)")
    assert_close(output(lora, x, d_out, "lora(x) merged") / u, y0 / u, what="lora(x) merged vs unmerged (output units)")
    call(lora.merge)
    assert_close(base_weight(lora, case) / w, (W0 + s * B @ A) / w, what="W after a second merge() (weight units)")
    call(lora.unmerge)
    assert_close(base_weight(lora, case) / w, W0 / w, what="W after unmerge() vs W₀ (weight units)")
    assert_close(output(lora, x, d_out, "lora(x) unmerged") / u, y0 / u, what="lora(x) after unmerge (output units)")


@invariant(TOPIC, "lora.merge_and_unload",
           statement="m = merge_and_unload(): m(x) = lora(x), m has d_in·d_out + d_out parameters, lora unchanged",
           why="Unloading returns the plain base layer with the update folded in: the same function, no LoRA "
               "factors left, and (in this contract) the adapted layer itself is not consumed.",
           source=f"{SOURCE}; peft LoraModel.merge_and_unload", kind="tolerance", tolerance=UNIT,
           strategy=lora_case(), draws={"shape": None, "fan_in_fan_out": None, "use_rslora": None}, max_examples=5)
def merge_and_unload(impl, case):
    lora, W0, b, A, B = prepared(impl, case)
    x, d_in, d_out = case["x"], case["d_in"], case["d_out"]
    y = output(lora, x, d_out, "lora(x)")
    plain = call(lora.merge_and_unload)
    assert_true(isinstance(plain, torch.nn.Module), f"merge_and_unload() returned {type(plain).__name__}, not a module")
    count = sum(p.numel() for p in call(plain.parameters))
    assert_true(count == d_in * d_out + d_out, f"the unloaded layer has {count} parameters, expected "
                f"d_in·d_out + d_out = {d_in * d_out + d_out} (no LoRA factors left)")
    u = unit(y)
    assert_close(output(plain, x, d_out, "merge_and_unload()(x)") / u, y / u, what="unloaded layer(x) vs lora(x)")
    assert_close(base_weight(lora, case) / unit(W0), W0 / unit(W0), what="lora's W₀ after merge_and_unload()")
    assert_close(output(lora, x, d_out, "lora(x) afterwards") / u, y / u, what="lora(x) after merge_and_unload()")


@invariant(TOPIC, "lora.only_factors_train",
           statement="trainable = {A, B}; ∂L/∂W₀ = ∂L/∂b = none; ∂L/∂B = s·Gᵀ(X Aᵀ), ∂L/∂A = s·Bᵀ Gᵀ X",
           why="The pre-trained weight is frozen: only the factors receive gradients, and for L = Σ G ⊙ lora(X) they "
               "are the chain rule through s·B A x.",
           source=f"{SOURCE} (“W₀ is frozen and does not receive gradient updates, while A and B contain trainable "
                  f"parameters”)", kind="tolerance", tolerance=UNIT, strategy=lora_case(),
           draws={"shape": None, "fan_in_fan_out": None, "use_rslora": None}, max_examples=5)
def only_factors_train(impl, case):
    lora, W0, b, A, B = prepared(impl, case)
    params = trainable(lora.module, name="module")
    named = {id(p): n for n, p in params}
    assert_true(set(named) == {id(lora.lora_A), id(lora.lora_B)},
                f"the trainable parameters are {sorted(named.values())}, expected exactly lora_A and lora_B")
    for p in call(lora.module.parameters):
        p.grad = None
    x, s = case["x"], scaling_of(case)
    G = torch.cos(torch.arange(x.numel() // case["d_in"] * case["d_out"], dtype=torch.float64)).reshape(
        tuple(x.shape[:-1]) + (case["d_out"],))
    y = call(lora, x)
    if not isinstance(y, torch.Tensor):
        raise ImplementationFailure(f"lora(x) returned {type(y).__name__}, not a tensor")
    assert_true(y.requires_grad, "lora(x) carries no autograd graph: no gradient can reach lora_A and lora_B")
    (y.to(torch.float64) * G).sum().backward()
    for name in ("weight", "bias"):
        grad = getattr(lora.base_layer, name).grad
        assert_true(grad is None or not torch.any(grad), f"the frozen base_layer.{name} received a gradient")
    X, Gm = x.reshape(-1, case["d_in"]).numpy(), G.reshape(-1, case["d_out"]).numpy()
    gB, gA = s * Gm.T @ (X @ A.T), s * B.T @ Gm.T @ X
    for name, param, want in (("lora_B", lora.lora_B, gB), ("lora_A", lora.lora_A, gA)):
        assert_true(param.grad is not None, f"{name} received no gradient")
        got = as_f64(param.grad, name=f"{name}.grad", shape=want.shape)
        assert_close(got / unit(want), want / unit(want), what=f"∂L/∂{name} (gradient units)")


@invariant(TOPIC, "lora.trainable_count", statement="Σ numel(trainable parameters) = r·(d_in + d_out)",
           why="A has r·d_in and B has d_out·r entries; nothing else of the layer trains — the memory argument for "
               "LoRA (r ≪ d) rests on this count.",
           source=f"{SOURCE}; §4.2 (“|Θ| = 2 × L̂ × d_model × r”)", kind="exact",
           strategy=lora_case(with_factors=False), draws={"shape": None, "fan_in_fan_out": None, "use_rslora": None},
           max_examples=5)
def trainable_count(impl, case):
    lora = build(impl, case)
    n = sum(p.numel() for _, p in trainable(lora.module, name="module"))
    want = lora_trainable(case["d_in"], case["d_out"], case["r"])
    assert_true(n == want, f"{n} trainable numbers, expected r·(d_in + d_out) = {case['r']}·({case['d_in']} + "
                           f"{case['d_out']}) = {want}")


BAD_CASES = ("r_zero", "r_negative", "r_above_min", "x_width")
BAD_SHAPES = ("3x7", "32x96")


@st.composite
def bad_case(draw):
    """One bad input per example; the drawn space (case × shape × layout) is small enough to be enumerated."""
    shape = draw(option("shape", BAD_SHAPES))
    d_in, d_out = dims(shape)
    return {"case": draw(st.sampled_from(BAD_CASES), label="case"), "shape": shape, "d_in": d_in, "d_out": d_out,
            "fan_in_fan_out": draw(option("fan_in_fan_out", LAYOUTS)), "use_rslora": False, "r": 1,
            "lora_alpha": 8.0, "seed": 0}


@invariant(TOPIC, "lora.rejects_bad_input",
           statement="r ≤ 0, r > min(d_in, d_out) → ValueError naming r; x of width ≠ d_in → ValueError naming x",
           why="A rank must be positive and cannot exceed min(d_in, d_out); an input of another width is a caller's "
               "mistake that must be named, not a matmul error deep inside.",
           source="this contract (module docstring)", kind="exact", category="validation", strategy=bad_case(),
           draws={"shape": BAD_SHAPES, "fan_in_fan_out": None}, max_examples=16)
def rejects_bad_input(impl, case):
    kind, d_in, d_out = case["case"], case["d_in"], case["d_out"]
    kwargs = dict(lora_alpha=case["lora_alpha"], use_rslora=case["use_rslora"], fan_in_fan_out=case["fan_in_fan_out"],
                  seed=case["seed"])
    if kind == "x_width":
        lora = build(impl, case)
        bad = torch.zeros(2, d_in + 1, dtype=torch.float64)
        expect_rejection(lambda: lora(bad), "x", f"lora(x) with x of width {d_in + 1} ≠ d_in = {d_in}")
        return
    r = {"r_zero": 0, "r_negative": -1, "r_above_min": min(d_in, d_out) + 1}[kind]
    expect_rejection(lambda: impl(d_in, d_out, r=r, **kwargs), "r", f"r = {r} for a {d_in}×{d_out} layer")


@crosscheck(TOPIC, "lora.crosscheck.peft",
            statement="same W₀, b, A, B: lora(x), merged W, unmerged W and merge_and_unload()(x) agree with peft",
            why="peft is the ecosystem's LoRA; on the same numbers, the reference and peft must compute the same layer "
                "in either weight layout (GPT-2's Conv1D needs the transposed update).",
            source=f"{SOURCE}; peft 0.21 tuners/lora/layer.py (Linear.merge, get_delta_weight)", tolerance=UNIT,
            strategy=lora_case(), draws={"shape": None, "fan_in_fan_out": None, "use_rslora": None},
            pairs=[("reference.peft.lora:LoRALinear", f"{_PEFT}:PeftLoraGPT2"),
                   ("reference.peft.lora:LoRALinear", f"{_PEFT}:PeftLoraLinear")], max_examples=4)
def crosscheck_peft(ref, lib, case):
    a = prepared(ref, case)[0]
    b = prepared(lib, case)[0]
    x, d_out = case["x"], case["d_out"]
    ya, yb = output(a, x, d_out, "reference lora(x)"), output(b, x, d_out, "peft lora(x)")
    u = unit(ya)
    assert_close(yb / u, ya / u, what="lora(x): peft vs reference (output units)")
    pa, pb = call(a.merge_and_unload), call(b.merge_and_unload)
    assert_close(output(pb, x, d_out, "peft unloaded(x)") / u, output(pa, x, d_out, "reference unloaded(x)") / u,
                 what="merge_and_unload()(x): peft vs reference")
    for step in ("merge", "unmerge"):
        call(getattr(a, step))
        call(getattr(b, step))
        Wa, Wb = base_weight(a, case), base_weight(b, case)
        assert_close(Wb / unit(Wa), Wa / unit(Wa), what=f"W after {step}(): peft vs reference (weight units)")
