"""The bottleneck (Houlsby) adapter: a residual down-projection, nonlinearity and up-projection (Houlsby et al. 2019).

Contract (the smallest torch module that the reference satisfies; peft has no bottleneck adapter, and AdapterHub's
``adapters`` package is not a dependency of this suite)::

    ad = Cls(d_model, bottleneck, activation="relu", seed=s)     # a torch.nn.Module
    ad(h)            # h: (..., d_model) float64 tensor → same shape: h + up(f(down(h)))
    ad.down          # torch.nn.Linear(d_model → bottleneck), live
    ad.up            # torch.nn.Linear(bottleneck → d_model), live; weight and bias zero at initialisation
    ad.parameters()  # every parameter trains: 2·d_model·bottleneck + d_model + bottleneck numbers

``activation`` f ∈ {relu: max(0, z), gelu: z·Φ(z) (exact, with the normal CDF), swish: z·σ(z)}.  Bad input raises
``ValueError`` naming the parameter: a bottleneck < 1 (``bottleneck``), a hidden size of h other than d_model (``h``).

What is right is computed in float64 from the weights the checks write (up-projection included) with f written out
here (``ACTIVATIONS``); inputs are 2-D and 3-D, random, integer-valued and sign-symmetric.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from properties.engine import Axis, Topic, assert_close, assert_true, call, invariant, option
from properties.oracles.attention import adapter_trainable
from properties.peft.cases import UNIT, as_f64, expect_rejection, layer_input, normal, trainable, unit, write

ACTIVATION_NAMES = ("relu", "gelu", "swish")
_ERF = np.vectorize(math.erf)
ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "gelu": lambda z: z * 0.5 * (1.0 + _ERF(z / math.sqrt(2.0))),
    "swish": lambda z: z / (1.0 + np.exp(-z)),
}
SOURCE = ("Houlsby et al., Parameter-Efficient Transfer Learning for NLP (ICML 2019), §2.1 and Figure 2")


def _probe_activation(impl, activation):
    ad = call(impl, 4, 2, activation=activation, seed=0)
    call(ad, torch.zeros(1, 4, dtype=torch.float64))


TOPIC = Topic(
    name="adapter",
    title="Bottleneck (Houlsby) adapter: residual down-projection, nonlinearity, zero-initialised up-projection",
    contract=__doc__,
    reference="reference.peft.adapter:BottleneckAdapter",
    implementations=[],
    axes=(Axis("activation", ACTIVATION_NAMES, "the bottleneck's nonlinearity f", probe=_probe_activation),),
)


@st.composite
def adapter_case(draw, *, trained: bool = True):
    """d_model, bottleneck, activation, an input h (2-D or 3-D) and — trained — weights to write."""
    d = draw(st.sampled_from((1, 4, 16)), label="d_model")
    m = draw(st.integers(1, max(1, d // 2)), label="bottleneck")
    case = {"d_model": d, "bottleneck": m, "activation": draw(option("activation", ACTIVATION_NAMES)),
            "seed": draw(st.integers(0, 2), label="seed")}
    data, case["h"] = layer_input(draw, d, name="h", batches=((3,), (2, 3)))
    if trained:
        case.update(W_down=normal(data + 1, m, d, scale=d ** -0.5), b_down=normal(data + 2, m, scale=0.5),
                    W_up=normal(data + 3, d, m, scale=m ** -0.5), b_up=normal(data + 4, d, scale=0.5))
    return case


def build(impl, case):
    return call(impl, case["d_model"], case["bottleneck"], activation=case["activation"], seed=case["seed"])


def output(ad, h: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return as_f64(call(ad, h), name="adapter(h)", shape=tuple(h.shape))


@invariant(TOPIC, "adapter.identity_at_init", statement="W_up = 0, b_up = 0 at initialisation ⇒ adapter(h) = h exactly",
           why="With a zero up-projection the residual branch adds exact zeros, so inserting the adapter leaves the "
               "pre-trained network unchanged until training moves it.",
           source=f"{SOURCE} (near-identity initialisation; zero makes it exact)", kind="exact",
           strategy=adapter_case(trained=False), draws={"activation": None}, max_examples=8)
def identity_at_init(impl, case):
    ad = build(impl, case)
    out = output(ad, case["h"])
    assert_true(np.array_equal(out, case["h"].numpy()),
                f"adapter(h) ≠ h at initialisation: max |adapter(h) − h| = {np.abs(out - case['h'].numpy()).max():.3g}")


@invariant(TOPIC, "adapter.residual", statement="adapter(h) = h + W_up f(W_down h + b_down) + b_up",
           why="The adapter is a bottleneck MLP on a skip connection: the skip carries h unchanged and the branch "
               "projects down to m, applies f and projects back up.",
           source=f"{SOURCE}, Figure 2 (right)", kind="tolerance", tolerance=UNIT, strategy=adapter_case(),
           draws={"activation": None}, max_examples=10)
def residual(impl, case):
    ad = build(impl, case)
    d, m = case["d_model"], case["bottleneck"]
    for layer, (W, b) in (("down", (case["W_down"], case["b_down"])), ("up", (case["W_up"], case["b_up"]))):
        write(getattr(ad, layer).weight, W, name=f"{layer}.weight")
        write(getattr(ad, layer).bias, b, name=f"{layer}.bias")
    Wd, bd = as_f64(ad.down.weight, name="down.weight", shape=(m, d)), as_f64(ad.down.bias, name="down.bias", shape=(m,))
    Wu, bu = as_f64(ad.up.weight, name="up.weight", shape=(d, m)), as_f64(ad.up.bias, name="up.bias", shape=(d,))
    H = case["h"].numpy()
    want = H + ACTIVATIONS[case["activation"]](H @ Wd.T + bd) @ Wu.T + bu
    out = output(ad, case["h"])
    assert_close(out / unit(want), want / unit(want), what="adapter(h) vs h + W_up f(W_down h + b_down) + b_up")


@invariant(TOPIC, "adapter.parameter_count", statement="Σ numel(trainable) = 2·d·m + d + m",
           why="Two projections with biases, d·m + m down and m·d + d up, all trained; the paper's budget (m ≪ d).",
           source=f"{SOURCE} (“the total number of parameters added per layer, including biases, is 2md + d + m”)",
           kind="exact", strategy=adapter_case(trained=False), draws={"activation": None}, max_examples=5)
def parameter_count(impl, case):
    ad = build(impl, case)
    n = sum(p.numel() for _, p in trainable(ad))
    want = adapter_trainable(case["d_model"], case["bottleneck"])
    assert_true(n == want, f"{n} trainable numbers, expected 2·d·m + d + m = {want} (d = {case['d_model']}, "
                           f"m = {case['bottleneck']})")


BAD_CASES = ("bottleneck_zero", "bottleneck_negative", "h_width")


@invariant(TOPIC, "adapter.rejects_bad_input",
           statement="bottleneck < 1 → ValueError naming bottleneck; h of hidden size ≠ d_model → ValueError naming h",
           why="A bottleneck of no units is no adapter; an input of another hidden size is a caller's mistake that "
               "must be named, not a matmul error inside.",
           source="this contract (module docstring)", kind="exact", category="validation",
           strategy=st.fixed_dictionaries({"case": st.sampled_from(BAD_CASES),
                                           "activation": option("activation", ACTIVATION_NAMES)}),
           draws={"activation": None}, max_examples=9)
def rejects_bad_input(impl, case):
    if case["case"] == "h_width":
        ad = call(impl, 4, 2, activation=case["activation"], seed=0)
        bad = torch.zeros(2, 5, dtype=torch.float64)
        expect_rejection(lambda: ad(bad), "h", "adapter(h) with h of hidden size 5 ≠ d_model = 4")
        return
    m = 0 if case["case"] == "bottleneck_zero" else -1
    expect_rejection(lambda: impl(4, m, activation=case["activation"], seed=0), "bottleneck", f"bottleneck = {m}")
